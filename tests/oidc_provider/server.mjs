// A certified OpenID provider for the gateway's interop tests: panva's oidc-provider (OpenID
// Certified), configured from a JSON file, with a plain login form as its only interaction.
//
//   node server.mjs config.json
//
// Listens on 127.0.0.1 (a free port), then prints one JSON line {"issuer": ...} on stdout.
// config.json: {
//   "resource": "urn:tvaers:api",          the API's resource indicator = the tokens' audience
//   "other_resources": ["urn:other:api"],  other APIs the provider issues tokens for
//   "acr_claim": "acr",                    access-token claim that carries the login's acr
//   "clients": [ ...client metadata... ],
//   "accounts": { "<login>": {"password": ..., "acr": ..., "claims": {...}} }
// }
// Access tokens are JWTs (RFC 9068, typ at+jwt, ES256) for the resource; the account's claims
// and the acr of the login go into them. Consent is implied for the configured (first-party)
// clients. RP-initiated logout is on (end_session_endpoint).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { accounts, resource } = config;
// Other APIs this provider issues tokens for (a token for one of them must not open Tværs).
const resources = [resource, ...(config.other_resources || [])];
const acrClaim = config.acr_claim || 'acr';
const acrValues = [...new Set(Object.values(accounts).map((a) => a.acr).filter(Boolean))];

function privateJwk(type, options, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig' };
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: {
    keys: [
      privateJwk('ec', { namedCurve: 'P-256' }, 'ES256'),
      privateJwk('rsa', { modulusLength: 2048 }, 'RS256'),
    ],
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  acrValues,
  scopes: ['openid', 'profile', 'tvaers'],
  claims: { openid: ['sub'], profile: ['name'] },
  ttl: { AccessToken: 300, IdToken: 300, AuthorizationCode: 60, Interaction: 600 },
  async findAccount(ctx, sub) {
    const account = accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, name: account.claims.name }) };
  },
  // The account's claims and the login's acr go into the access token the gateway validates.
  async extraTokenClaims(ctx, token) {
    const account = accounts[token.accountId];
    if (!account) return undefined;
    const source = ctx.oidc.entities.AuthorizationCode || ctx.oidc.entities.RefreshToken;
    const extra = { ...account.claims };
    if (source?.acr) extra[acrClaim] = source.acr;
    return extra;
  },
  // First-party clients: consent is implied (the municipality's own portal and API client).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const found = await ctx.oidc.provider.Grant.find(grantId);
      if (found) return found;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile tvaers');
    for (const r of resources) grant.addResourceScope(r, 'tvaers');
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo(ctx, indicator) {
        if (!resources.includes(indicator)) throw new errors.InvalidTarget();
        return {
          scope: 'tvaers',
          audience: indicator,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error) {
  return `<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"><title>Log ind</title></head>
<body><h1>Log ind</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" data-testid="op-login">
<label>Bruger <input name="login" autocomplete="username"></label>
<label>Adgangskode <input name="password" type="password"></label>
<button type="submit">Log ind</button></form></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
  if (details.prompt.name === 'login') {
    if (action === 'login' && req.method === 'POST') {
      const form = await readForm(req);
      const login = form.get('login') || '';
      const account = accounts[login];
      if (!account || account.password !== form.get('password')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(loginPage(uid, 'Forkert bruger eller adgangskode'));
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: login, acr: account.acr } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(loginPage(uid));
    return;
  }
  // consent: implied by loadExistingGrant, so there is nothing to ask.
  if (process.env.OP_DEBUG) console.error(JSON.stringify(details.prompt));
  const grant = await provider.Grant.find(details.grantId)
    || new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  grant.addOIDCScope('openid profile tvaers');
  for (const r of resources) grant.addResourceScope(r, 'tvaers');
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login))?$/.exec(req.url.split('?')[0]);
  if (!match) {
    callback(req, res);
    return;
  }
  try {
    await interaction(req, res, match[1], match[2]);
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`interaction failed: ${err.name}`);
  }
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
