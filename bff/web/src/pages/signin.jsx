import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { ErrorBox } from '../ui.jsx';

export function SignIn({ onSignedIn }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post('/v1/sessions', { user, password }, { quiet401: true });
      onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form class="card" onSubmit={submit}>
        <h1>fleetd</h1>
        <p class="muted">Sign in to the operator console</p>
        <label>
          User
          <input name="user" autocomplete="username" value={user} onInput={(e) => setUser(e.target.value)} required />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" value={password}
            onInput={(e) => setPassword(e.target.value)} required />
        </label>
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
