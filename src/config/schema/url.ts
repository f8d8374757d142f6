/**
 * http(s) URLs in the config. opsbot shows server URLs in chat and in logs (a failed build names its
 * Jenkins, a health check its URL, an unreachable Alertmanager its address), so a URL must not carry
 * credentials (`https://user:token@ci.example.com`): they go in the section's user, token or bearer
 * fields, which are handled as secrets. `${` is accepted too, so editors checking the file as written
 * accept `url: ${MM_URL}`.
 */
import { Type } from '@sinclair/typebox';

/** A scheme, then an authority without `@` (no user:password), then anything without spaces. */
export const HTTP_URL_PATTERN = '^(?:https?://[^\\s/?#@]+(?:[/?#]\\S*)?|\\$\\{.*)$';
export const HTTP_URL_PROBLEM = 'is not an http(s) URL without credentials in it (give those as user and token, or bearer)';

export function HttpUrl(description: string) {
  return Type.String({ pattern: HTTP_URL_PATTERN, patternErrorMessage: HTTP_URL_PROBLEM, description });
}
