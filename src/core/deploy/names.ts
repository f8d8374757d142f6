/**
 * The shapes of names users type for deploys. Conservative on purpose: plain words that can never be
 * read as a flag, a path, a host pattern or shell syntax, whatever later resolves them.
 */
export const STORE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Release versions: 1.4.2, 2024.11.22-3, v7, 1.0.0+build.5 (no slashes, no leading dash or dot). */
export const DEPLOY_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
export const PLAYBOOK_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** An inventory host name (checked against the allowlist afterwards). */
export const INVENTORY_HOST = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
