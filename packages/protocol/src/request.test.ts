import { describe, expect, it } from "vitest";
import { appIdFromCgroupPath } from "./request.js";

describe("appIdFromCgroupPath", () => {
  const U = "/user.slice/user-1000.slice/user@1000.service";
  const cases: Array<[string, ReturnType<typeof appIdFromCgroupPath>]> = [
    ["/system.slice/nginx.service", { kind: "systemd", id: "nginx.service" }],
    ["/system.slice/system-getty.slice/getty@tty1.service", { kind: "systemd", id: "getty@tty1.service" }],
    [`${U}/app.slice/app-flatpak-org.mozilla.firefox-4711.scope`, { kind: "flatpak", id: "org.mozilla.firefox", verified: false }],
    [`${U}/app.slice/snap.firefox.firefox-0b1c2d3e-aaaa-bbbb-cccc-0123456789ab.scope`, { kind: "snap", id: "firefox", verified: false }],
    ["/system.slice/snap.lxd.daemon.service", { kind: "snap", id: "lxd", verified: false }],
    [`${U}/app.slice/app-gnome-org.gnome.Terminal-4242.scope`, { kind: "user-unit", uid: 1000, id: "app-gnome-org.gnome.Terminal.scope" }],
    [`${U}/app.slice/pipewire.service`, { kind: "user-unit", uid: 1000, id: "pipewire.service" }],
    ["/user.slice/user-1000.slice/session-2.scope", undefined],
    [`${U}/init.scope`, undefined],
    ["/", undefined],
    ["", undefined],
  ];
  it.each(cases)("%s", (path, expected) => {
    expect(appIdFromCgroupPath(path)).toEqual(expected);
  });

  // A user can create any unit in their own manager, named like any system unit: the
  // result must never be the system unit's id, whatever the name.
  it("a unit a user made in user@UID.service is that user's unit, never the system unit of the same name", () => {
    expect(appIdFromCgroupPath(`${U}/app.slice/sshd.service`)).toEqual({ kind: "user-unit", uid: 1000, id: "sshd.service" });
    expect(appIdFromCgroupPath(`${U}/system.slice/sshd.service`)).toEqual({ kind: "user-unit", uid: 1000, id: "sshd.service" });
    expect(appIdFromCgroupPath("/system.slice/sshd.service")).toEqual({ kind: "systemd", id: "sshd.service" });
  });

  it("trusts no unit outside /system.slice and a user's own manager", () => {
    for (const path of [
      "/user.slice/user-1000.slice/sshd.service",
      "/user.slice/user-1000.slice/user@1001.service/app.slice/x.service",
      "/machine.slice/sshd.service",
      "/sshd.service",
      "/x/system.slice/sshd.service",
    ]) {
      expect(appIdFromCgroupPath(path)).toBeUndefined();
    }
  });
});
