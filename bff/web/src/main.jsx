// The operator console: sign-in, fleet, device, campaigns, admin. Served by the BFF at "/".
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, get, setUnauthorizedHandler } from './api.js';
import { navigate, onLinkClick, useLocation } from './router.js';
import { ErrorBox, Loading } from './ui.jsx';
import { SignIn } from './pages/signin.jsx';
import { Fleet } from './pages/fleet.jsx';
import { Device } from './pages/device.jsx';
import { Campaigns } from './pages/campaigns.jsx';
import { CampaignCreate } from './pages/campaigns-new.jsx';
import { CampaignDetail } from './pages/campaigns-detail.jsx';
import { Admin } from './pages/admin.jsx';
import './style.css';

function Header({ me, onSignOut, path }) {
  const isAdmin = me.role === 'admin';
  const active = (p) => (path === p || (p !== '/' && path.startsWith(p)) ? 'active' : '');
  return (
    <header class="top">
      <a href="/" class="brand">fleetd</a>
      <nav>
        <a href="/" class={path === '/' || path.startsWith('/devices') ? 'active' : ''}>Fleet</a>
        <a href="/campaigns" class={active('/campaigns')}>Campaigns</a>
        {isAdmin ? (
          <a href="/admin" class={active('/admin')} data-testid="nav-admin">Admin</a>
        ) : null}
      </nav>
      <div class="who" data-testid="who">
        <span class="who-name">{me.displayName || me.id}</span>
        <span class={`badge badge-role`} data-testid="role">{me.role}</span>
        <button class="small" onClick={onSignOut}>Sign out</button>
      </div>
    </header>
  );
}

function Forbidden() {
  return (
    <section class="card">
      <h2>Admin only</h2>
      <p>This area is for administrators. Your role does not allow it.</p>
    </section>
  );
}

function App() {
  const path = useLocation().split('?')[0];
  const [me, setMe] = useState(undefined); // undefined = loading, null = signed out
  const [error, setError] = useState(null);

  const loadMe = async () => {
    setError(null);
    try {
      setMe(await get('/v1/me', { quiet401: true }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else setError(e);
    }
  };
  useEffect(() => {
    setUnauthorizedHandler(() => setMe(null));
    loadMe();
  }, []);

  const signOut = async () => {
    try {
      await api('DELETE', '/v1/sessions/current', undefined, { quiet401: true });
    } catch {
      // Already signed out.
    }
    setMe(null);
    navigate('/');
  };

  if (error) return <main class="page"><ErrorBox error={error} onRetry={loadMe} /></main>;
  if (me === undefined) return <main class="page"><Loading what="Starting" /></main>;
  if (me === null) return <SignIn onSignedIn={loadMe} />;

  let page;
  const device = path.match(/^\/devices\/([^/]+)$/);
  const campaign = path.match(/^\/campaigns\/([^/]+)$/);
  if (device) page = <Device id={decodeURIComponent(device[1])} me={me} />;
  else if (path === '/campaigns') page = <Campaigns />;
  else if (path === '/campaigns/new') page = <CampaignCreate me={me} />;
  else if (campaign) page = <CampaignDetail id={decodeURIComponent(campaign[1])} />;
  else if (path.startsWith('/admin')) page = me.role === 'admin' ? <Admin path={path} /> : <Forbidden />;
  else page = <Fleet />;
  return (
    <div onClick={onLinkClick}>
      <Header me={me} onSignOut={signOut} path={path} />
      <main class="page">{page}</main>
    </div>
  );
}

render(<App />, document.getElementById('app'));
