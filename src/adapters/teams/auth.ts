/**
 * Bot Framework authentication, on whenever an app id is configured (always, for opsbot): botbuilder's
 * ConfigurationBotFrameworkAuthentication validates the inbound JWT (issuer, audience = app id,
 * signing key from the OpenID metadata, endorsement for the channel, serviceurl claim), wrapped so
 * that
 * - every failure to authenticate is a 401: jsonwebtoken's own errors (a bad signature, a malformed
 *   token) are not AuthenticationErrors, and CloudAdapter would answer them with a 500;
 * - connector clients do not retry by themselves: Azure's pipeline retries 429 and 5xx in place
 *   (sleeping for Retry-After), while opsbot's durable outbox owns retries, backoff and rate limits.
 */
import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import {
  AuthenticationError,
  BotFrameworkAuthentication,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import type { Activity } from 'botframework-schema';
import type { Logger } from '../../core/log.js';
import { ClientSecretCredentialsFactory } from './credentials.js';

/** Where tokens come from and are checked against; the defaults are the public Azure cloud. */
export interface BotEndpoints {
  /** OpenID metadata of the tokens the channel sends (default: login.botframework.com). */
  readonly ToBotFromChannelOpenIdMetadataUrl?: string;
  /** `iss` of those tokens (default: https://api.botframework.com). */
  readonly ToBotFromChannelTokenIssuer?: string;
  /** Where opsbot asks for its own tokens (default: https://login.microsoftonline.com/botframework.com). */
  readonly ToChannelFromBotLoginUrl?: string;
  readonly ToChannelFromBotOAuthScope?: string;
  readonly ValidateAuthority?: boolean;
}

export interface AuthOptions {
  readonly appId: string;
  readonly appPassword: string;
  readonly appTenantId: string | null;
  readonly endpoints?: BotEndpoints;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
}

interface PipelineHolder {
  readonly client?: { readonly pipeline?: { removePolicy(options: { phase?: string }): unknown } };
}

/** Takes Azure's retry policy out of a connector client's pipeline (see the header). */
function withoutSdkRetries(client: ConnectorClient, logger: Logger): ConnectorClient {
  // `client` is private in botbuilder's typings; this is the one place that reaches into it.
  const pipeline = (client as unknown as PipelineHolder).client?.pipeline;
  if (pipeline === undefined) logger.warn({}, 'teams: connector client layout changed; the Azure SDK will retry by itself');
  else pipeline.removePolicy({ phase: 'Retry' });
  return client;
}

class NoRetryConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly logger: Logger,
  ) {
    super();
  }

  async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return withoutSdkRetries(await this.inner.create(serviceUrl, audience), this.logger);
  }
}

export class OpsbotBotAuthentication extends BotFrameworkAuthentication {
  constructor(
    private readonly inner: BotFrameworkAuthentication,
    private readonly logger: Logger,
  ) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    let result: AuthenticateRequestResult;
    try {
      result = await this.inner.authenticateRequest(activity, authHeader);
    } catch (error: unknown) {
      if (error instanceof AuthenticationError) throw error;
      // A token that fails verification is the caller's problem, never a server error.
      throw new AuthenticationError(`Unauthorized. ${error instanceof Error ? error.message : 'invalid token'}`, 401);
    }
    const factory = result.connectorFactory;
    return factory === undefined ? result : { ...result, connectorFactory: new NoRetryConnectorFactory(factory, this.logger) };
  }

  authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.inner.authenticateStreamingRequest(authHeader, channelIdHeader);
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new NoRetryConnectorFactory(this.inner.createConnectorFactory(claimsIdentity), this.logger);
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.inner.createUserTokenClient(claimsIdentity);
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }
}

export function createBotAuthentication(options: AuthOptions): OpsbotBotAuthentication {
  const credentials = new ClientSecretCredentialsFactory(options.appId, options.appPassword, options.appTenantId, options.fetch);
  const settings = {
    MicrosoftAppId: options.appId,
    ...(options.appTenantId === null ? {} : { MicrosoftAppTenantId: options.appTenantId }),
    ...options.endpoints,
  };
  return new OpsbotBotAuthentication(new ConfigurationBotFrameworkAuthentication(settings, credentials), options.logger);
}
