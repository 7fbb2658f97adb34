import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApplicationPage } from './application-page.tsx';
import { Overview } from './overview.tsx';
import { RolloutPage } from './rollout-page.tsx';
import { parseRoute } from './route.ts';
import './styles.css';

function App() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.title =
      route.page === 'overview'
        ? 'Sluice'
        : `${route.name} · ${route.page === 'rollout' ? 'Rollout' : 'Application'} · Sluice`;
  }, [route]);
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">
          Sluice
        </a>
        {route.page !== 'overview' && (
          <nav aria-label="Breadcrumb">
            <a href="#/">Overview</a> / <span>{route.namespace}</span> /{' '}
            <span aria-current="page">{route.name}</span>
          </nav>
        )}
      </header>
      <main>
        {route.page === 'overview' ? (
          <Overview />
        ) : route.page === 'rollout' ? (
          <RolloutPage namespace={route.namespace} name={route.name} />
        ) : (
          <ApplicationPage namespace={route.namespace} name={route.name} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
