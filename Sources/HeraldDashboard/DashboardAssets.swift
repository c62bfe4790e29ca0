/// The dashboard's stylesheet and its one small script (served from `/assets/`; the pages read without it).
enum DashboardAssets {
    static let css = """
        :root { --ink: #1a1f24; --muted: #4a5560; --line: #d5dbe1; --bg: #ffffff; --accent: #0b57d0; --bad: #a4161a; --good: #1b6e2a; --wait: #7a4d00; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
        .bar { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: center; padding: 10px 16px; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; text-decoration: none; color: var(--ink); }
        nav a { margin-right: 12px; } nav a[aria-current] { font-weight: 700; }
        .signout { margin-left: auto; display: flex; gap: 8px; align-items: center; } .who { color: var(--muted); }
        main { padding: 16px; max-width: 1200px; margin: 0 auto; }
        h1 { font-size: 1.5rem; margin: 0.5rem 0 1rem; } h2 { font-size: 1.15rem; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; max-width: 40rem; }
        label { display: block; font-size: 0.875rem; color: var(--muted); }
        input, select, button { font: inherit; padding: 6px 8px; border: 1px solid #8a949e; border-radius: 4px; background: #fff; color: var(--ink); }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        .filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin-bottom: 12px; }
        .filters input { width: 11rem; } .actions { display: flex; gap: 12px; align-items: center; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; } caption { text-align: left; color: var(--muted); padding: 4px 0; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
        .status { font-weight: 600; } .s-delivered, .s-read, .s-replied { color: var(--good); }
        .s-undelivered, .s-failed, .s-rejected, .s-expired, .s-canceled { color: var(--bad); }
        .s-queued, .s-scheduled, .s-deferred, .s-accepted, .s-sent { color: var(--wait); }
        .error { color: var(--bad); font-weight: 600; } .hint { color: var(--muted); font-size: 0.875rem; }
        .details { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; } .details dt { color: var(--muted); } .details dd { margin: 0; }
        .text { white-space: pre-wrap; overflow-wrap: anywhere; }
        .timeline { padding-left: 1.25rem; } .timeline li { margin-bottom: 8px; } .provider { color: var(--muted); font-size: 0.875rem; overflow-wrap: anywhere; }
        .chart { max-width: 640px; font-size: 14px; } .chart text { fill: var(--ink); } .chart rect.bar { fill: #5b7fa6; }
        .chart rect.s-delivered { fill: var(--good); } .chart rect.s-undelivered, .chart rect.s-failed, .chart rect.s-rejected, .chart rect.s-expired { fill: var(--bad); }
        .chart a:focus-visible rect { stroke: var(--accent); stroke-width: 3; }
        .card.wide { max-width: none; margin-bottom: 16px; } fieldset { border: 1px solid var(--line); border-radius: 4px; }
        label.inline { display: inline-block; margin-right: 8px; color: var(--ink); } .secret { font-size: 1.1rem; user-select: all; }
        progress { width: 100%; max-width: 30rem; height: 1rem; }
        @media (max-width: 600px) { .filters input { width: 100%; } .filters > div { flex: 1 1 45%; } main { padding: 8px; } }
        """

    /// Live updates: the page subscribes to its account's events (`/live`, the API's event stream) and, when one
    /// arrives, fetches itself again and swaps the part that changed. Without JavaScript the page simply stays as served.
    static let js = """
        (function () {
          var main = document.getElementById('main');
          if (!main || !main.dataset.live || !window.EventSource || !window.fetch) return;
          var target = main.dataset.live, pending = null;
          function refresh() {
            pending = null;
            fetch(window.location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
              .then(function (r) { return r.ok ? r.text() : null; })
              .then(function (html) {
                if (!html) return;
                var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById(target);
                var current = document.getElementById(target);
                if (fresh && current && fresh.innerHTML !== current.innerHTML) current.innerHTML = fresh.innerHTML;
              });
          }
          var source = new EventSource('/live');
          main.dataset.kinds.split(',').forEach(function (kind) {
            source.addEventListener(kind, function () { if (!pending) pending = setTimeout(refresh, 300); });
          });
          source.addEventListener('open', function () { document.documentElement.dataset.live = 'connected'; });
        })();
        // A campaign's CSV upload with a progress bar (without JavaScript the form posts as it is).
        (function () {
          var form = document.getElementById('new-campaign');
          if (!form || !window.XMLHttpRequest || !window.FormData) return;
          form.addEventListener('submit', function (event) {
            event.preventDefault();
            var bar = document.getElementById('c-progress'), request = new XMLHttpRequest();
            request.upload.addEventListener('progress', function (e) { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); });
            request.addEventListener('load', function () {
              bar.value = 100;
              if (request.responseURL && request.responseURL.indexOf('/campaigns/') >= 0) { window.location.assign(request.responseURL); return; }
              document.open(); document.write(request.responseText); document.close();
            });
            request.open('POST', form.action);
            request.send(new FormData(form));
          });
        })();
        """
}
