// unloadShim(): the explicit command that ends enforcement. Detaches every pinned link
// (even one a running daemon still holds) and removes the map pins and directories.
import { existsSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { callNative, loadAddon } from "./native.js";
import { DEFAULT_PIN_DIR, checkPinDir, linksDir, mapsDir, progsDir, removeEmptyDirs } from "./pin-dir.js";

function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
}

export function unloadShim(pinDir: string = DEFAULT_PIN_DIR): { links: number; maps: number } {
  checkPinDir(pinDir);
  if (!existsSync(pinDir)) return { links: 0, maps: 0 };
  const addon = loadAddon();
  let links = 0;
  for (const path of entries(linksDir(pinDir))) {
    callNative(() => addon.detachPinnedLink(path));
    unlinkSync(path);
    links++;
  }
  let maps = 0;
  for (const path of entries(mapsDir(pinDir))) {
    unlinkSync(path);
    maps++;
  }
  // A program pin only keeps the program for iptables rules that still name it.
  for (const path of entries(progsDir(pinDir))) unlinkSync(path);
  removeEmptyDirs([pinDir, mapsDir(pinDir), linksDir(pinDir), progsDir(pinDir)]);
  return { links, maps };
}
