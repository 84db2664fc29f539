// A FranceConnect-like OpenID Connect provider for the tests: panva's oidc-provider (certified), configured
// as FranceConnect v2 is (endpoints under /api/v2, claims as scopes, acr eidas1, ID token and userinfo
// signed ES256, userinfo answered as a JWT, RP-initiated logout), on 127.0.0.1 only.
//
//   node tests/franceconnect/provider.mjs PORT   (settings in FC_TEST_CLIENT, a JSON object)
//
// The test drives the real interaction pages below (login form, consent form). For the hostile cases it
// can, through /_test/*, add identities (with any claims), move the provider's clock (so tokens carry
// the tests' frozen time) and make a man in the middle tamper with the token or userinfo answers.
import crypto from "node:crypto";
import http from "node:http";
import Provider from "oidc-provider";

const port = Number(process.argv[2]);
const settings = JSON.parse(process.env.FC_TEST_CLIENT);
const issuer = `http://127.0.0.1:${port}`;

// The provider's clock: the tests' frozen time moves on with the real one.
const realNow = Date.now.bind(Date);
let offsetMs = 0;
Date.now = () => realNow() + offsetMs;

function ecKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { ...privateKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig" };
}
const signingKey = ecKey("fc-test-1");
const rogueKey = ecKey("fc-test-1"); // same kid, another key: what a forger would publish

const accounts = new Map(); // accountId -> claims
const CLAIMS = ["given_name", "family_name", "birthdate", "birthplace", "birthcountry", "gender", "email", "preferred_username"];

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: settings.client_id,
      client_secret: settings.client_secret,
      redirect_uris: settings.redirect_uris,
      post_logout_redirect_uris: settings.post_logout_redirect_uris,
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: "ES256",
      userinfo_signed_response_alg: "ES256",
    },
  ],
  jwks: { keys: [signingKey] },
  routes: {
    authorization: "/api/v2/authorize",
    token: "/api/v2/token",
    userinfo: "/api/v2/userinfo",
    end_session: "/api/v2/session/end",
    jwks: "/api/v2/jwks",
  },
  acrValues: ["eidas1"],
  scopes: ["openid", ...CLAIMS],
  claims: Object.fromEntries([["openid", ["sub"]], ...CLAIMS.map((c) => [c, [c]])]),
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => false }, // FranceConnect v2 does not require PKCE
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: [crypto.randomBytes(32).toString("hex")] },
  // The session cookie expires at its session's end, written on this provider's clock (the tests' frozen
  // time), while the test clients judge it on the machine's date (Chromium) or a date shifted years ahead
  // (TEST_SHIFT_DAYS): a long session keeps it valid whatever the date the suite runs on.
  ttl: { Session: 50 * 365 * 24 * 3600 },
  async findAccount(ctx, id) {
    if (!accounts.has(id)) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts.get(id) }) };
  },
});
provider.proxy = false;

const page = (body) =>
  `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Fournisseur de test</title></head><body>${body}</body></html>`;

async function readForm(req) {
  let data = "";
  for await (const chunk of req) data += chunk;
  return Object.fromEntries(new URLSearchParams(data));
}

async function readJson(req) {
  let data = "";
  for await (const chunk of req) data += chunk;
  return JSON.parse(data || "{}");
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  if (req.method === "GET") {
    const form =
      details.prompt.name === "login"
        ? `<h1>Connexion</h1><form method="post" action="/interaction/${uid}/login"><label>Identifiant <input name="login"></label><button>Se connecter</button></form>`
        : `<h1>Consentement</h1><p>Transmettre : ${details.params.scope}</p><form method="post" action="/interaction/${uid}/confirm"><button>Continuer</button></form>`;
    const abort = `<form method="post" action="/interaction/${uid}/abort"><button>Annuler</button></form>`;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(page(form + abort));
  }
  const form = await readForm(req);
  if (action === "login") {
    if (!accounts.has(form.login)) {
      res.writeHead(400, { "content-type": "text/plain" });
      return res.end("unknown identity");
    }
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: form.login, acr: "eidas1", amr: ["pwd"] } },
      { mergeWithLastSubmission: false },
    );
  }
  if (action === "confirm") {
    const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }
  return provider.interactionFinished(
    req,
    res,
    { error: "access_denied", error_description: "End-User aborted interaction" },
    { mergeWithLastSubmission: false },
  );
}

// --- the man in the middle of the hostile tests ------------------------------------------------------

let tamper = null; // one of the modes below, applied to the next answer it concerns, then cleared

const b64 = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const payloadOf = (jws) => JSON.parse(Buffer.from(jws.split(".")[1], "base64url").toString());

function sign(payload, key, alg = "ES256") {
  const header = { alg, kid: key?.kid, typ: "JWT" };
  const input = `${b64(header)}.${b64(payload)}`;
  if (alg === "none") return `${input}.`;
  const keyObject = crypto.createPrivateKey({ key, format: "jwk" });
  return `${input}.${crypto.sign("sha256", Buffer.from(input), { key: keyObject, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
}

const ID_TOKEN_MODES = {
  id_token_alg_none: (p) => sign(p, null, "none"),
  id_token_other_key: (p) => sign(p, rogueKey),
  id_token_wrong_aud: (p) => sign({ ...p, aud: "someone-else" }, signingKey),
  id_token_wrong_iss: (p) => sign({ ...p, iss: "http://127.0.0.1:1/api/v2" }, signingKey),
  id_token_wrong_nonce: (p) => sign({ ...p, nonce: "not-the-nonce" }, signingKey),
  id_token_expired: (p) => sign({ ...p, iat: p.iat - 7200, exp: p.iat - 3600 }, signingKey),
  id_token_wrong_acr: (p) => sign({ ...p, acr: "eidas0" }, signingKey),
  id_token_unsigned_garbage: () => "not.a.jwt",
};
const USERINFO_MODES = {
  userinfo_other_key: (p) => sign(p, rogueKey),
  userinfo_other_sub: (p) => sign({ ...p, sub: "someone-else" }, signingKey),
  userinfo_alg_none: (p) => sign(p, null, "none"),
  userinfo_plain_json: (p) => JSON.stringify(p),
};

function intercept(res, transform) {
  // Buffer the provider's answer, then let `transform` rewrite its body.
  const chunks = [];
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  res.write = (chunk) => chunks.push(Buffer.from(chunk)) && true;
  res.end = (chunk) => {
    if (chunk) chunks.push(Buffer.from(chunk));
    let body = Buffer.concat(chunks).toString();
    if (res.statusCode === 200) body = transform(body);
    res.setHeader("content-length", Buffer.byteLength(body));
    write(body);
    return end();
  };
}

// Cookies without an expiry: the tests' HTTP client lives at the machine's (possibly shifted) date while
// this provider lives at the tests' frozen one, so dated cookies could look stale to it.
function sessionCookiesOnly(res) {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name, value) => {
    if (name.toLowerCase() === "set-cookie") {
      const strip = (c) => c.replace(/;\s*(expires|max-age)=[^;]*/gi, "");
      value = Array.isArray(value) ? value.map(strip) : strip(value);
    }
    return setHeader(name, value);
  };
}

const callback = provider.callback();

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    sessionCookiesOnly(res);
    if (url.pathname === "/_test/account" && req.method === "POST") {
      const { id, claims } = await readJson(req);
      accounts.set(id, claims);
      res.writeHead(204);
      return res.end();
    }
    if (url.pathname === "/_test/clock" && req.method === "POST") {
      const { epoch_ms } = await readJson(req);
      offsetMs = epoch_ms - realNow();
      res.writeHead(204);
      return res.end();
    }
    if (url.pathname === "/_test/tamper" && req.method === "POST") {
      ({ mode: tamper } = await readJson(req));
      res.writeHead(204);
      return res.end();
    }
    const match = url.pathname.match(/^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/);
    if (match) return await interaction(req, res, match[1], match[2]);
    if (url.pathname === "/api/v2/token" && tamper in ID_TOKEN_MODES) {
      const mode = ID_TOKEN_MODES[tamper];
      tamper = null;
      intercept(res, (body) => {
        const token = JSON.parse(body);
        return JSON.stringify({ ...token, id_token: mode(payloadOf(token.id_token)) });
      });
    } else if (url.pathname === "/api/v2/userinfo" && tamper in USERINFO_MODES) {
      const mode = USERINFO_MODES[tamper];
      tamper = null;
      intercept(res, (body) => mode(payloadOf(body)));
    }
    return callback(req, res);
  } catch (error) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error));
  }
});
server.listen(port, "127.0.0.1", () => console.log(`ready ${issuer}`));
