// Whether this user's own programs are governed, from the daemon's status sentence
// ("human users (uid 1000-60000, except nobody): 3 ...", "uids 1001, 1002 ..."), so the
// empty prompt view can say what to run to see a prompt.

export function userIsGoverned(users: string | undefined, uid: number): boolean {
  if (users === undefined) return uid !== 0;
  const human = /^human users \(uid (\d+)-(\d+)/.exec(users);
  if (human) return uid >= Number(human[1]) && uid <= Number(human[2]) && uid !== 65534;
  const list = /^uids ([\d, ]+)/.exec(users);
  if (list) return list[1]!.split(/[ ,]+/).includes(String(uid));
  return false;
}
