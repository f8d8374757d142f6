/**
 * Members written as a chat display name (`mattermost:@olga`) instead of the user's stable id. The
 * policy compares stable ids only, so such a member matches nobody, ever: the role silently grants
 * nothing. Mattermost and Teams never use `@` in ids; refusing it, with how to find the id, turns a
 * role that does nothing into an error at check-config.
 */

/** Platforms whose user ids are opaque and never start with `@`, with how to find an id. */
const FINDING_THE_ID: Readonly<Record<string, (name: string) => string>> = {
  mattermost: (name) =>
    `use the user id (26 lowercase letters and digits) as mattermost:<id>: \`whoami\` shows it to that person, and Mattermost's GET /api/v4/users/username/${name} returns it as "id"`,
  teams: () => 'use the Azure AD object id (lowercase) as teams:<object id>: `whoami` shows it to that person',
};

/** Why `member` is a display name, or null when it is not one. */
export function displayNameProblem(member: string): string | null {
  const colon = member.indexOf(':');
  const platform = member.slice(0, colon);
  const id = member.slice(colon + 1);
  const finding = FINDING_THE_ID[platform];
  if (colon < 0 || finding === undefined || !id.startsWith('@')) return null;
  return `"${member}" is a display name, not a stable id; ${finding(id.slice(1))}`;
}
