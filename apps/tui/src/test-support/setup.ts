// Before every test file: ink renders live frames only outside CI (is-in-ci reads the
// environment when ink is imported), and the component tests read those frames.
for (const k of Object.keys(process.env)) if (k === "CI" || k === "CONTINUOUS_INTEGRATION" || k.startsWith("CI_")) delete process.env[k];
// Snapshots show wall-clock times: the same in every time zone.
process.env.TZ = "UTC";
