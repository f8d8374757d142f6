/**
 * Outbound credentials: the OAuth 2.0 client-credentials grant that the Bot Framework documents for
 * bots ("Authenticate requests from your bot to the Bot Connector service": POST
 * <login>/oauth2/v2.0/token with the app id, secret and scope https://api.botframework.com/.default),
 * made with fetch. botbuilder's default path goes through MSAL, which insists on an https authority
 * and asks login.microsoftonline.com for instance discovery before anything else, so it cannot be
 * pointed at a test identity provider on loopback; this one takes the login URL it is configured with.
 * Tokens are cached per instance until five minutes before they expire.
 */
import { ServiceClientCredentialsFactory, TokenCredentials } from 'botframework-connector';

type WebResource = Parameters<TokenCredentials['signRequest']>[0];
type Credentials = Awaited<ReturnType<ServiceClientCredentialsFactory['createCredentials']>>;

/** The identity provider refused the app credentials (or answered nonsense): not worth retrying as is. */
export class TokenRequestError extends Error {
  constructor(
    message: string,
    /** HTTP status of the token endpoint, or null when it could not be reached. */
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TokenRequestError';
  }
}

const EARLY_REFRESH_MS = 5 * 60_000;

export class ClientSecretCredentials implements Credentials {
  private cached: { readonly token: string; readonly refreshAt: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(
    readonly appId: string,
    private readonly secret: string,
    private readonly tokenUrl: string,
    private readonly scope: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async signRequest(webResource: WebResource): Promise<WebResource> {
    return new TokenCredentials(await this.token()).signRequest(webResource);
  }

  private async token(): Promise<string> {
    if (this.cached !== null && Date.now() < this.cached.refreshAt) return this.cached.token;
    // Concurrent posts share one token request.
    this.pending ??= this.request().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async request(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.appId, client_secret: this.secret, scope: this.scope });
    let response: Response;
    try {
      response = await this.fetchFn(this.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, signal: AbortSignal.timeout(15_000) });
    } catch (error: unknown) {
      throw new TokenRequestError(`could not reach the token endpoint ${this.tokenUrl}`, null, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      // The error body names the problem (AADSTS7000215: invalid client secret); it never contains the secret.
      const detail = /"error_description"\s*:\s*"([^"]{0,300})/.exec(text)?.[1] ?? text.slice(0, 200);
      throw new TokenRequestError(`the token endpoint refused opsbot's app credentials (HTTP ${response.status}): ${detail}`, response.status);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new TokenRequestError('the token endpoint did not answer JSON', response.status);
    }
    const { access_token: token, expires_in: expiresIn } = parsed as { access_token?: unknown; expires_in?: unknown };
    if (typeof token !== 'string' || token === '') throw new TokenRequestError('the token endpoint answered without an access_token', response.status);
    const lifetimeMs = (typeof expiresIn === 'number' ? expiresIn : Number(expiresIn ?? 3600)) * 1000;
    this.cached = { token, refreshAt: Date.now() + Math.max(0, lifetimeMs - EARLY_REFRESH_MS) };
    return token;
  }
}

/** Creates the credentials CloudAdapter signs its Bot Connector calls with. */
export class ClientSecretCredentialsFactory extends ServiceClientCredentialsFactory {
  private readonly byAudience = new Map<string, ClientSecretCredentials>();

  constructor(
    private readonly appId: string,
    private readonly secret: string,
    /** A single-tenant registration asks its own tenant for tokens instead of botframework.com. */
    private readonly appTenantId: string | null,
    private readonly fetchFn: typeof fetch = fetch,
  ) {
    super();
  }

  isValidAppId(appId: string): Promise<boolean> {
    return Promise.resolve(appId === this.appId);
  }

  /** An app id is always configured, so Bot Framework authentication is always on. */
  isAuthenticationDisabled(): Promise<boolean> {
    return Promise.resolve(false);
  }

  createCredentials(appId: string, audience: string | undefined, loginEndpoint: string): Promise<Credentials> {
    if (appId !== this.appId) return Promise.reject(new Error(`credentials asked for an unknown app id ${appId}`));
    const scopeBase = audience ?? 'https://api.botframework.com';
    const key = `${loginEndpoint} ${scopeBase}`;
    let credentials = this.byAudience.get(key);
    if (credentials === undefined) {
      const scope = scopeBase.endsWith('/.default') ? scopeBase : `${scopeBase.replace(/\/+$/, '')}/.default`;
      credentials = new ClientSecretCredentials(appId, this.secret, tokenUrl(loginEndpoint, this.appTenantId), scope, this.fetchFn);
      this.byAudience.set(key, credentials);
    }
    return Promise.resolve(credentials);
  }
}

const PUBLIC_LOGIN = 'https://login.microsoftonline.com/botframework.com';

export function tokenUrl(loginEndpoint: string, appTenantId: string | null): string {
  const base = loginEndpoint.replace(/\/+$/, '');
  const login = appTenantId !== null && base.toLowerCase() === PUBLIC_LOGIN ? `https://login.microsoftonline.com/${appTenantId}` : base;
  return `${login}/oauth2/v2.0/token`;
}
