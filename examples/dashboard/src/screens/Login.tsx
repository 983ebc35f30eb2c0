import { useState } from 'preact/hooks';
import { admin, errorCode } from '../api.js';
import { authProblem, signIn, useStore } from '../state.js';
import { ErrorState } from '../ui.js';

/**
 * Sign-in. Only the token is kept (sessionStorage); the password lives in this form's state until the login answers.
 * "Continue without signing in" is for servers with auth off (Nacos 2.x's default): every call then goes without a
 * token, and the first refusal brings this form back.
 */
export function Login() {
  const problem = useStore(authProblem);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <main class="login" id="main">
      <form
        class="login-card"
        aria-labelledby="login-title"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            const answer = await admin.login(username.trim(), password);
            setPassword('');
            signIn({ token: answer.accessToken, username: answer.username, expiresAt: Date.now() + answer.tokenTtl * 1000 });
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        <div class="brand big">
          <span class="logo" aria-hidden="true">N</span> Nacos dashboard
        </div>
        <h1 id="login-title">{problem ? 'Sign in again' : 'Sign in'}</h1>
        <p class="sub">
          to <strong>{location.host}</strong>
        </p>
        {problem === 'expired' && (
          <div class="banner warn" role="alert" data-banner="expired">
            <strong>Your sign-in has expired or is no longer accepted.</strong> Sign in again to continue where you were; nothing you were looking at is lost.
          </div>
        )}
        {problem === 'refused' && (
          <div class="banner warn" role="alert" data-banner="refused">
            <strong>This server needs a sign-in.</strong> It refused a request made without one.
          </div>
        )}
        <label class="field">
          <span>Username</span>
          <input name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} autoFocus />
        </label>
        <label class="field">
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error !== undefined && <ErrorState error={error} title={errorCode(error) === 'AUTH' ? 'Wrong username or password' : 'Could not sign in'} />}
        <button type="submit" class="btn primary block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {problem === undefined && (
          <button type="button" class="btn link block" data-action="anonymous" onClick={() => signIn({ username: 'anonymous' })}>
            Continue without signing in (server with auth off)
          </button>
        )}
        <p class="fine">The dashboard keeps only the session token, in this tab, until you sign out or close it.</p>
      </form>
    </main>
  );
}
