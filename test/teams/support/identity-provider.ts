/**
 * A Bot Framework identity provider on loopback, made by the test: an RSA key pair (jose), OpenID
 * metadata + JWKS for the tokens "Teams" sends to the bot, and a client-credentials token endpoint
 * for the tokens the bot sends to the connector. Nothing leaves the machine.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface TokenRequest {
  readonly clientId: string | null;
  readonly clientSecret: string | null;
  readonly scope: string | null;
  readonly grantType: string | null;
}

export interface IdentityProvider {
  readonly url: string;
  /** The `iss` of channel tokens. */
  readonly issuer: string;
  readonly openIdMetadataUrl: string;
  /** What ToChannelFromBotLoginUrl points at (the token endpoint is `<loginUrl>/oauth2/v2.0/token`). */
  readonly loginUrl: string;
  /** The access token the token endpoint hands out. */
  readonly accessToken: string;
  readonly tokenRequests: TokenRequest[];
  /** A token as the Bot Framework channel would sign it; overrides make forged or mismatched ones. */
  channelToken(claims: { serviceUrl?: string; audience?: string; issuer?: string; expiresIn?: string }, key?: 'trusted' | 'untrusted'): Promise<string>;
  close(): Promise<void>;
}

export async function startIdentityProvider(options: { appId: string; appPassword: string }): Promise<IdentityProvider> {
  const trusted = await generateKeyPair('RS256', { extractable: true });
  const untrusted = await generateKeyPair('RS256', { extractable: true });
  const kid = 'opsbot-test-key';
  const jwk: JWK = { ...(await exportJWK(trusted.publicKey)), kid, use: 'sig', alg: 'RS256', endorsements: ['msteams'] } as JWK;
  const tokenRequests: TokenRequest[] = [];
  const accessToken = `test-connector-token-${Math.random().toString(36).slice(2)}`;
  let base = '';

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://idp.invalid');
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && url.pathname === '/openid') {
        json(200, { issuer: `${base}/issuer`, jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] });
        return;
      }
      if (req.method === 'GET' && url.pathname === '/keys') {
        json(200, { keys: [jwk] });
        return;
      }
      if (req.method === 'POST' && url.pathname === '/botframework.com/oauth2/v2.0/token') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const request: TokenRequest = { clientId: form.get('client_id'), clientSecret: form.get('client_secret'), scope: form.get('scope'), grantType: form.get('grant_type') };
        tokenRequests.push(request);
        if (request.clientId !== options.appId || request.clientSecret !== options.appPassword || request.grantType !== 'client_credentials') {
          json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
          return;
        }
        json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
        return;
      }
      json(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/issuer`;

  return {
    url: base,
    issuer,
    openIdMetadataUrl: `${base}/openid`,
    loginUrl: `${base}/botframework.com`,
    accessToken,
    tokenRequests,
    async channelToken(claims, key = 'trusted') {
      const signer: CryptoKey = key === 'trusted' ? trusted.privateKey : untrusted.privateKey;
      const jwt = new SignJWT(claims.serviceUrl === undefined ? {} : { serviceurl: claims.serviceUrl })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(claims.issuer ?? issuer)
        .setAudience(claims.audience ?? options.appId)
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime(claims.expiresIn ?? '10m');
      return jwt.sign(signer);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
