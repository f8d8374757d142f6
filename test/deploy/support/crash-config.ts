/**
 * The head of the config the crash tests give the opsbot processes they kill: SQLite in the test's
 * directory, a fast heartbeat (recovery waits for it to stop where it cannot judge a pid), the local
 * terminal allowed everything, and the test playbook catalog. Each test appends its own sections.
 */
export const CRASH_TEST_CONFIG = `
storage: { engine: sqlite, path: ./opsbot.db }
log: { level: error }
jobs: { heartbeat: 1s, lockTtl: 10s, progressThrottle: 100ms }
access:
  roles:
    operator: { members: [shell:local], allow: ["*"] }
  channels:
    "shell:local": { commands: ["*"] }
playbooks:
  catalog: playbooks/test-catalog.yaml
`;
