import { describe, expect, it } from "vitest";
import { appIdFromCgroupPath } from "./request.js";

describe("appIdFromCgroupPath", () => {
  const cases: Array<[string, ReturnType<typeof appIdFromCgroupPath>]> = [
    ["/system.slice/nginx.service", { kind: "systemd", id: "nginx.service" }],
    ["/system.slice/system-getty.slice/getty@tty1.service", { kind: "systemd", id: "getty@tty1.service" }],
    [
      "/user.slice/user-1000.slice/user@1000.service/app.slice/app-flatpak-org.mozilla.firefox-4711.scope",
      { kind: "flatpak", id: "org.mozilla.firefox" },
    ],
    [
      "/user.slice/user-1000.slice/user@1000.service/app.slice/snap.firefox.firefox-0b1c2d3e-aaaa-bbbb-cccc-0123456789ab.scope",
      { kind: "snap", id: "firefox" },
    ],
    ["/system.slice/snap.lxd.daemon.service", { kind: "snap", id: "lxd" }],
    [
      "/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-org.gnome.Terminal-4242.scope",
      { kind: "systemd", id: "app-gnome-org.gnome.Terminal.scope" },
    ],
    ["/user.slice/user-1000.slice/user@1000.service/app.slice/pipewire.service", { kind: "systemd", id: "pipewire.service" }],
    ["/user.slice/user-1000.slice/session-2.scope", undefined],
    ["/user.slice/user-1000.slice/user@1000.service/init.scope", undefined],
    ["/", undefined],
    ["", undefined],
  ];
  it.each(cases)("%s", (path, expected) => {
    expect(appIdFromCgroupPath(path)).toEqual(expected);
  });
});
