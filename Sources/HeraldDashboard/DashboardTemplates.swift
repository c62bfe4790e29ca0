import Mustache

/// The dashboard's pages as Mustache templates (`{{x}}` is HTML-escaped; nothing here uses the unescaped forms), compiled
/// once at start. Kept in the binary so `herald serve` needs no files beside it.
enum DashboardTemplates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in [("head", head), ("foot", foot), ("sign-in", signIn), ("messages", messages), ("message", message), ("problem", problem), ("campaigns", campaigns),
                                  ("campaign", campaign), ("chart", chart),
                                  ("keys", keys), ("webhooks", webhooks), ("connectors", connectors), ("analytics", analytics),
                                  ("lists", lists), ("templates", templates), ("settings", settings)] {
            try library.register(text, named: name)
        }
        return library
    }

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Herald</title>
        <link rel="stylesheet" href="/assets/dashboard.css">
        <script src="/assets/dashboard.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="bar">
          <a class="brand" href="/">Herald</a>
          {{#account}}
          <nav aria-label="Main">
            <a href="/"{{#onLog}} aria-current="page"{{/onLog}}>Messages</a>
            <a href="/campaigns"{{#onCampaigns}} aria-current="page"{{/onCampaigns}}>Campaigns</a>
            <a href="/analytics"{{#onAnalytics}} aria-current="page"{{/onAnalytics}}>Analytics</a>
            <a href="/webhooks"{{#onWebhooks}} aria-current="page"{{/onWebhooks}}>Webhooks</a>
            <a href="/lists"{{#onLists}} aria-current="page"{{/onLists}}>Opt-outs</a>
            <a href="/templates"{{#onTemplates}} aria-current="page"{{/onTemplates}}>Templates</a>
            <a href="/keys"{{#onKeys}} aria-current="page"{{/onKeys}}>Keys</a>
            <a href="/settings"{{#onSettings}} aria-current="page"{{/onSettings}}>Settings</a>
            {{#operator}}<a href="/connectors"{{#onConnectors}} aria-current="page"{{/onConnectors}}>Connectors</a>{{/operator}}
          </nav>
          <form class="signout" method="post" action="/sign-out">
            <span class="who">{{account}}{{#operator}} (operator){{/operator}}</span>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit">Sign out</button>
          </form>
          {{/account}}
        </header>
        <main id="main" tabindex="-1"{{#live}} data-live="{{live}}" data-kinds="{{kinds}}"{{/live}}>
        """

    static let foot = """
        </main>
        </body>
        </html>
        """

    static let signIn = """
        {{>head}}
        <h1>Sign in</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/sign-in" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="key">API key</label>
          <input id="key" name="key" type="password" autocomplete="current-password" required placeholder="hk_...">
          <p class="hint">A key with the read scope: <code>herald keys create --account NAME</code>. An operator key also shows what concerns every account.</p>
          <button type="submit">Sign in</button>
        </form>
        {{>foot}}
        """

    static let messages = """
        {{>head}}
        <h1>Messages</h1>
        <form method="get" action="/" class="filters" aria-label="Filter messages">
          {{#hasAccounts}}<div><label for="f-account">Account</label>
          <select id="f-account" name="account">{{#accounts}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/accounts}}</select></div>{{/hasAccounts}}
          <div><label for="f-status">Status</label>
          <select id="f-status" name="status"><option value="">any</option>{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/statuses}}</select></div>
          <div><label for="f-reason">Reason</label><input id="f-reason" name="reason" value="{{filter.reason}}" placeholder="ABSENT_SUBSCRIBER"></div>
          <div><label for="f-channel">Channel</label>
          <select id="f-channel" name="channel"><option value="">any</option>{{#channels}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/channels}}</select></div>
          <div><label for="f-to">Recipient</label><input id="f-to" name="to" value="{{filter.to}}" placeholder="+14155550100"></div>
          <div><label for="f-from">Sender</label><input id="f-from" name="from" value="{{filter.from}}" placeholder="Acme"></div>
          <div><label for="f-connector">Connector</label><input id="f-connector" name="connector" value="{{filter.connector}}" list="connector-names"></div>
          <datalist id="connector-names">{{#connectorNames}}<option value="{{.}}">{{/connectorNames}}</datalist>
          <div><label for="f-tag">Tag</label><input id="f-tag" name="tag" value="{{filter.tag}}"></div>
          <div><label for="f-campaign">Campaign</label><input id="f-campaign" name="campaign" value="{{filter.campaign}}" placeholder="cmp_..."></div>
          <div><label for="f-since">Since</label><input id="f-since" name="since" type="date" value="{{filter.since}}"></div>
          <div><label for="f-until">Until</label><input id="f-until" name="until" type="date" value="{{filter.until}}"></div>
          <div><label for="f-vocabulary">Words</label>
          <select id="f-vocabulary" name="vocabulary">{{#vocabularies}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/vocabularies}}</select></div>
          <div class="actions"><button type="submit">Filter</button> <a href="/">Clear</a> <a href="{{exportURL}}">Export this view as CSV</a></div>
        </form>
        {{#problem}}<p class="error" role="alert">{{problem}}</p>{{/problem}}
        <div class="table-wrap">
        <table class="log">
          <caption>Newest first</caption>
          <thead><tr><th scope="col">Message</th><th scope="col">Created</th><th scope="col">Channel</th><th scope="col">To</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Cost</th></tr></thead>
          <tbody id="log-rows">
          {{#rows}}
          <tr data-id="{{id}}"><td><a href="/messages/{{id}}{{accountQuery}}">{{id}}</a></td><td><time datetime="{{created}}">{{createdShort}}</time></td><td>{{channel}}</td><td>{{to}}</td>
          <td><span class="status s-{{statusClass}}">{{status}}</span></td><td>{{#reason}}<abbr title="{{reasonMeaning}}">{{reason}}</abbr>{{/reason}}</td><td>{{cost}}</td></tr>
          {{/rows}}
          {{^rows}}<tr><td colspan="7">No messages match.</td></tr>{{/rows}}
          </tbody>
        </table>
        </div>
        {{#older}}<p><a rel="next" href="{{older}}">Older messages</a></p>{{/older}}
        {{#searchOn}}<p class="hint">Searched the {{searched}} newest messages of this view (back to {{searchedTo}}); channel, sender and connector are matched message by message. <a rel="next" href="{{searchOn}}">Search older messages</a></p>{{/searchOn}}
        {{>foot}}
        """

    static let message = """
        {{>head}}
        <p><a href="/">← Messages</a></p>
        <h1>Message <code>{{id}}</code>{{#viewing}} <small>of account {{viewing}}</small>{{/viewing}}</h1>
        <section class="card summary" aria-labelledby="status-heading">
          <h2 id="status-heading">Status: <span class="status s-{{statusClass}}">{{status}}</span>{{#final}} <small>(final)</small>{{/final}}</h2>
          <p>{{statusMeaning}}</p>
          {{#reason}}<p><strong>Reason {{code}}</strong>: {{meaning}}</p><p><strong>What to do</strong>: {{resolution}}</p>{{/reason}}
          {{#cancelable}}
          <form method="post" action="/messages/{{id}}/cancel"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Cancel this message</button></form>
          {{/cancelable}}
        </section>
        <section aria-labelledby="details-heading">
          <h2 id="details-heading">Details</h2>
          <dl class="details">
            <dt>Channel</dt><dd>{{channel}}</dd>
            <dt>To</dt><dd>{{to}}</dd>
            {{#from}}<dt>From</dt><dd>{{from}}</dd>{{/from}}
            {{#subject}}<dt>Subject</dt><dd>{{subject}}</dd>{{/subject}}
            <dt>Text</dt><dd class="text">{{text}}</dd>
            <dt>Created</dt><dd><time datetime="{{created}}">{{created}}</time></dd>
            <dt>Valid until</dt><dd>{{expires}}</dd>
            <dt>Segments</dt><dd>{{segments}}{{#encoding}} ({{encoding}}){{/encoding}}</dd>
            <dt>Cost</dt><dd>{{cost}} · {{billing}}</dd>
            {{#tag}}<dt>Tag</dt><dd>{{tag}}</dd>{{/tag}}
            {{#campaign}}<dt>Campaign</dt><dd><a href="/?campaign={{campaign}}">{{campaign}}</a></dd>{{/campaign}}
            {{#engagement}}<dt>Engagement</dt><dd class="engagement">{{engagement}}</dd>{{/engagement}}
          </dl>
        </section>
        {{#hasParts}}
        <section aria-labelledby="parts-heading">
          <h2 id="parts-heading">Parts</h2>
          <div class="table-wrap"><table>
            <thead><tr><th scope="col">Part</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Connector</th><th scope="col">Provider id</th></tr></thead>
            <tbody>{{#parts}}<tr><td>{{index}}</td><td><span class="status s-{{statusClass}}">{{status}}</span></td><td>{{reason}}</td><td>{{connector}}</td><td><code>{{providerID}}</code></td></tr>{{/parts}}</tbody>
          </table></div>
        </section>
        {{/hasParts}}
        <section aria-labelledby="timeline-heading">
          <h2 id="timeline-heading">Timeline</h2>
          <ol class="timeline">
          {{#events}}
            <li><time datetime="{{at}}">{{at}}</time> <strong class="status s-{{statusClass}}">{{event}}</strong>{{#part}} · part {{part}}{{/part}}
              · from <span class="source">{{source}}</span>{{#reason}} · <abbr title="{{reasonMeaning}}">{{reason}}</abbr>{{/reason}}
              {{#connector}} · {{connector}}{{/connector}}{{#providerID}} · <code>{{providerID}}</code>{{/providerID}}
              {{#provider}}<div class="provider">provider said: {{provider}}</div>{{/provider}}</li>
          {{/events}}
          </ol>
        </section>
        <section aria-labelledby="callbacks-heading">
          <h2 id="callbacks-heading">Callbacks</h2>
          <div class="table-wrap"><table class="callbacks">
            <thead><tr><th scope="col">Event</th><th scope="col">Endpoint</th><th scope="col">State</th><th scope="col">Attempts</th></tr></thead>
            <tbody>
            {{#callbacks}}<tr><td>{{event}}</td><td><code>{{url}}</code></td><td>{{state}}</td>
              <td><ol class="attempts">{{#attempts}}<li>{{at}}: {{code}} in {{ms}} ms{{#error}} ({{error}}){{/error}}</li>{{/attempts}}</ol>{{^attempts}}not yet sent{{/attempts}}</td></tr>{{/callbacks}}
            {{^callbacks}}<tr><td colspan="4">No callbacks for this message: no webhook of the account takes its events and it names no callback URL.</td></tr>{{/callbacks}}
            </tbody>
          </table></div>
        </section>
        {{>foot}}
        """

    static let campaigns = """
        {{>head}}
        <h1>Campaigns</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{#canCreate}}
        <form method="post" action="/campaigns" enctype="multipart/form-data" class="filters" id="new-campaign" aria-label="New campaign from a CSV file">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <div><label for="c-name">Name</label><input id="c-name" name="name" maxlength="200" placeholder="spring sale"></div>
          <div><label for="c-template">Template</label><select id="c-template" name="template" required>{{#templates}}<option value="{{.}}">{{.}}</option>{{/templates}}</select></div>
          <div><label for="c-from">From</label><input id="c-from" name="from" maxlength="20" placeholder="Shop"></div>
          <div><label for="c-csv">Recipients (CSV: a phone or to column, then the template's variables)</label><input id="c-csv" name="csv" type="file" accept=".csv,text/csv" required></div>
          <div><label class="inline"><input type="checkbox" name="paused" value="1"> start paused</label></div>
          <div class="actions"><button type="submit">Create and upload</button></div>
          <div><label for="c-progress">Upload</label><progress id="c-progress" max="100" value="0">0 %</progress></div>
        </form>
        {{/canCreate}}
        <div class="table-wrap">
        <table>
          <caption>Newest first</caption>
          <thead><tr><th scope="col">Campaign</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Messages</th><th scope="col">Progress</th><th scope="col">Delivered</th><th scope="col">Cost</th></tr></thead>
          <tbody>
          {{#rows}}<tr><td><a href="/campaigns/{{id}}">{{name}}</a></td><td>{{state}}</td><td>{{created}}</td><td>{{total}}</td><td>{{progress}}</td><td>{{deliveryRate}}</td><td>{{cost}}</td></tr>{{/rows}}
          {{^rows}}<tr><td colspan="7">No campaigns yet: <code>herald campaign create --csv FILE --template NAME</code> or POST /v1/campaigns.</td></tr>{{/rows}}
          </tbody>
        </table>
        </div>
        {{#older}}<p><a rel="next" href="{{older}}">Older campaigns</a></p>{{/older}}
        {{>foot}}
        """

    /// A horizontal bar chart: one linked bar per row (`bars` of DashboardPages).
    static let chart = """
        <svg class="chart" role="img" aria-label="{{title}}" viewBox="0 0 560 {{height}}" width="100%" preserveAspectRatio="xMinYMin meet">
        {{#rows}}<a href="{{link}}"><text x="0" y="{{textY}}">{{label}}</text><rect class="bar s-{{statusClass}}" x="170" y="{{y}}" width="{{width}}" height="22"></rect><text x="{{countX}}" y="{{textY}}">{{count}}</text></a>{{/rows}}
        </svg>
        """

    static let campaign = """
        {{>head}}
        <p><a href="/campaigns">← Campaigns</a></p>
        <h1>{{name}}</h1>
        <section class="card summary" aria-label="Progress">
          <p><strong>{{state}}</strong> · template {{template}} · created <time datetime="{{created}}">{{created}}</time></p>
          <p><label for="progress">Progress: {{final}} of {{total}} final ({{progress}})</label>
          <progress id="progress" max="{{total}}" value="{{progressValue}}">{{progress}}</progress></p>
          <p>Delivered: <strong>{{deliveryRate}}</strong> of those final · cost {{cost}}{{#invalidRows}} · {{invalidRows}} invalid rows{{/invalidRows}}</p>
          <div class="actions">
          {{#canPause}}<form method="post" action="/campaigns/{{id}}/pause"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Pause</button></form>{{/canPause}}
          {{#canResume}}<form method="post" action="/campaigns/{{id}}/resume"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Resume</button></form>{{/canResume}}
          {{#canCancel}}<form method="post" action="/campaigns/{{id}}/cancel"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Cancel the rest</button></form>{{/canCancel}}
          <a href="/?campaign={{id}}">All its messages</a>
          </div>
        </section>
        {{#timeline}}
        <section aria-labelledby="over-time">
          <h2 id="over-time">Delivered over time</h2>
          <figure>
            <svg class="chart" role="img" aria-label="Messages delivered and otherwise final per {{step}}" viewBox="0 0 600 100" width="100%" preserveAspectRatio="none">
            {{#columns}}<g><title>{{title}}</title><rect class="bar s-delivered" x="{{x}}" y="{{deliveredY}}" width="{{width}}" height="{{deliveredHeight}}"></rect><rect class="bar s-failed" x="{{x}}" y="{{otherY}}" width="{{width}}" height="{{otherHeight}}"></rect></g>{{/columns}}
            </svg>
            <figcaption>Per {{step}} from {{from}} to {{until}} (UTC): delivered (green) and otherwise final (grey); {{delivered}} delivered in all</figcaption>
          </figure>
        </section>
        {{/timeline}}
        <section aria-labelledby="by-status">
          <h2 id="by-status">By status</h2>
          {{#statusBars}}{{>chart}}{{/statusBars}}
        </section>
        {{#hasReasons}}
        <section aria-labelledby="by-reason">
          <h2 id="by-reason">By reason</h2>
          {{#reasonBars}}{{>chart}}{{/reasonBars}}
        </section>
        {{/hasReasons}}
        {{>foot}}
        """

    static let keys = """
        {{>head}}
        <h1>API keys</h1>
        {{#created}}<div class="card" role="status"><p><strong>New key {{prefix}}…</strong> (shown once: copy it now)</p><p><code class="secret">{{secret}}</code></p></div>{{/created}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/keys" class="filters" aria-label="Create a key">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <div><label for="k-name">Label</label><input id="k-name" name="name" maxlength="100" placeholder="billing service"></div>
          <fieldset><legend>Scopes</legend>{{#scopes}}<label class="inline"><input type="checkbox" name="scope_{{.}}" value="1" checked> {{.}}</label>{{/scopes}}</fieldset>
          <div><label for="k-rate">Requests a second (empty: no limit)</label><input id="k-rate" name="rate_limit" inputmode="numeric" pattern="[0-9]*"></div>
          <div class="actions"><button type="submit">Create key</button></div>
        </form>
        <div class="table-wrap">
        <table>
          <caption>Newest first; secrets are never shown again</caption>
          <thead><tr><th scope="col">Key</th><th scope="col">Label</th><th scope="col">Account</th><th scope="col">Role</th><th scope="col">Scopes</th><th scope="col">Rate limit</th><th scope="col">Created</th><th scope="col">State</th></tr></thead>
          <tbody>
          {{#keys}}<tr><td><code>{{prefix}}…</code> <small>{{id}}</small>{{#current}} <strong>(this session)</strong>{{/current}}</td><td>{{name}}</td><td>{{account}}</td><td>{{role}}</td><td>{{scopes}}</td><td>{{rateLimit}}</td><td>{{created}}</td>
          <td>{{#revoked}}revoked {{revoked}}{{/revoked}}{{^revoked}}<form method="post" action="/keys/{{id}}/revoke"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" aria-label="Revoke key {{prefix}}">Revoke</button></form>{{/revoked}}</td></tr>{{/keys}}
          </tbody>
        </table>
        </div>
        {{>foot}}
        """

    static let webhooks = """
        {{>head}}
        <h1>Webhooks</h1>
        {{#hooks}}
        <section class="card wide" aria-label="Webhook {{url}}">
          <h2><code>{{url}}</code></h2>
          <p>{{events}} · created {{created}}{{#batch}} · {{batch}}{{/batch}}{{#rotation}} · {{rotation}}{{/rotation}} · <small>{{id}}</small></p>
          <div class="table-wrap"><table>
            <caption>Latest deliveries</caption>
            <thead><tr><th scope="col">Delivery</th><th scope="col">Message</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col"></th></tr></thead>
            <tbody>
            {{#deliveries}}<tr><td>{{created}}</td><td><a href="/messages/{{message}}">{{message}}</a></td><td>{{state}}</td>
            <td>{{#attempts}}<div>{{at}}: {{code}} in {{ms}} ms{{#error}} · {{error}}{{/error}}</div>{{/attempts}}</td>
            <td>{{#resendable}}<form method="post" action="/webhooks/{{webhook}}/deliveries/{{id}}/resend"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Send again</button></form>{{/resendable}}</td></tr>{{/deliveries}}
            {{^deliveries}}<tr><td colspan="5">Nothing sent yet.</td></tr>{{/deliveries}}
            </tbody>
          </table></div>
        </section>
        {{/hooks}}
        {{^hooks}}<p>No webhooks: add one with POST /v1/webhooks.</p>{{/hooks}}
        {{>foot}}
        """

    static let connectors = """
        {{>head}}
        <h1>Connectors</h1>
        <div class="table-wrap"><table>
          <thead><tr><th scope="col">Connector</th><th scope="col">Type</th><th scope="col">Channels</th><th scope="col">State</th><th scope="col">Circuit breaker</th><th scope="col">Detail</th></tr></thead>
          <tbody>{{#connectors}}<tr><td>{{name}}</td><td>{{type}}</td><td>{{channels}}</td><td>{{#up}}<span class="status s-delivered">up</span>{{/up}}{{^up}}<span class="status s-failed">down</span>{{/up}}</td><td>{{circuit}}</td><td class="text">{{detail}}</td></tr>{{/connectors}}</tbody>
        </table></div>
        {{#connectors}}{{#hasSessions}}
        <section aria-labelledby="sessions-{{name}}">
          <h2 id="sessions-{{name}}">Sessions of {{name}}</h2>
          <div class="table-wrap"><table class="sessions">
            <thead><tr><th scope="col">Session</th><th scope="col">State</th><th scope="col">Since</th><th scope="col">Window in use</th><th scope="col">Sent</th><th scope="col">Rate (10 s)</th><th scope="col">Throttled</th><th scope="col">Receipts not yet stored</th><th scope="col">Last error</th></tr></thead>
            <tbody>{{#sessions}}<tr><td>{{name}}</td><td>{{state}}</td><td>{{since}}</td><td>{{window}}</td><td>{{submitted}}</td><td>{{rate}}</td><td>{{throttled}}</td><td>{{waiting}}</td><td class="text">{{lastError}}</td></tr>{{/sessions}}</tbody>
          </table></div>
        </section>
        {{/hasSessions}}{{/connectors}}
        {{>foot}}
        """

    static let analytics = """
        {{>head}}
        <h1>Delivery analytics</h1>
        <form method="get" action="/analytics" class="filters" aria-label="Choose the view">
          {{#hasAccounts}}<div><label for="a-account">Account</label><select id="a-account" name="account"><option value="">every account</option>{{#accounts}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/accounts}}</select></div>{{/hasAccounts}}
          <div><label for="a-by">By</label><select id="a-by" name="by">{{#groupings}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/groupings}}</select></div>
          <div><label for="a-period">Period</label><select id="a-period" name="period">{{#periods}}<option value="{{value}}"{{#selected}} selected{{/selected}}>last {{value}}</option>{{/periods}}</select></div>
          <div class="actions"><button type="submit">Show</button></div>
        </form>
        <p>{{scope}}: {{#overall}}<strong>{{total}}</strong> messages ended, <strong>{{delivered}}</strong> delivered, {{noReceipt}} without a final receipt; submit to final p50 {{p50}}, p90 {{p90}}, p99 {{p99}} (from accept where no provider took it){{/overall}}</p>
        {{#hasBars}}
        <figure>
          <svg class="chart" role="img" aria-label="Delivered share per {{stepLabel}}" viewBox="0 0 600 100" width="100%" preserveAspectRatio="none">
          {{#bars}}<rect class="bar s-delivered" x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}"><title>{{title}}</title></rect>{{/bars}}
          </svg>
          <figcaption>Delivered share per {{stepLabel}} (UTC), oldest first</figcaption>
        </figure>
        {{/hasBars}}
        <div class="table-wrap"><table id="analytics">
          <thead><tr><th scope="col">{{groupLabel}}</th><th scope="col">Ended</th><th scope="col">Delivered</th><th scope="col">Not delivered</th><th scope="col">Top reasons</th><th scope="col">No final receipt</th><th scope="col">p50</th><th scope="col">p90</th><th scope="col">p99</th></tr></thead>
          <tbody>{{#rows}}<tr><th scope="row">{{name}}</th><td>{{total}}</td><td>{{delivered}}</td><td>{{failed}}</td><td>{{reasons}}</td><td>{{noReceipt}}</td><td>{{p50}}</td><td>{{p90}}</td><td>{{p99}}</td></tr>{{/rows}}
          {{^rows}}<tr><td colspan="9">No message ended in this period.</td></tr>{{/rows}}</tbody>
        </table></div>
        {{>foot}}
        """

    static let problem = """
        {{>head}}
        <h1>{{heading}}</h1>
        <p class="error" role="alert">{{detail}}</p>
        {{#back}}<p><a href="{{back}}">Back</a></p>{{/back}}{{^back}}<p><a href="/">Back to the messages</a></p>{{/back}}
        {{>foot}}
        """

    static let lists = """
        {{>head}}
        <h1>Opt-outs and Do-Not-Disturb</h1>
        <p>Herald does not send to a suppressed recipient (status UNSUBSCRIBED) or to a number on the DND list (status DND, reason DND_LISTED), and bills neither.</p>
        <section aria-labelledby="suppressions-heading">
          <h2 id="suppressions-heading">Suppressions</h2>
          {{#canChange}}
          <form method="post" action="/suppressions" class="filters" aria-label="Add a suppression">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div><label for="s-channel">Channel</label><select id="s-channel" name="channel">{{#channels}}<option value="{{.}}">{{.}}</option>{{/channels}}</select></div>
            <div><label for="s-recipient">Recipient</label><input id="s-recipient" name="recipient" required placeholder="+14155550100 or ann@example.com"></div>
            <div><label for="s-sender">Only from sender (empty: every sender)</label><input id="s-sender" name="sender"></div>
            <div class="actions"><button type="submit">Suppress</button></div>
          </form>
          {{/canChange}}
          <div class="table-wrap"><table>
            <caption>Newest first, the latest {{limit}}</caption>
            <thead><tr><th scope="col">Channel</th><th scope="col">Recipient</th><th scope="col">Sender</th><th scope="col">Source</th><th scope="col">Since</th><th scope="col">Opt back in</th></tr></thead>
            <tbody>
            {{#suppressions}}<tr><td>{{channel}}</td><td>{{recipient}}</td><td>{{sender}}</td><td>{{source}}</td><td>{{created}}</td>
              <td>{{#canChange}}<form method="post" action="/suppressions/remove"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="channel" value="{{channel}}"><input type="hidden" name="recipient" value="{{recipient}}">{{#senderValue}}<input type="hidden" name="sender" value="{{senderValue}}">{{/senderValue}}<button type="submit" aria-label="Remove the suppression of {{recipient}}">Remove</button></form>{{/canChange}}</td></tr>{{/suppressions}}
            {{^suppressions}}<tr><td colspan="6">No suppressions.</td></tr>{{/suppressions}}
            </tbody>
          </table></div>
        </section>
        <section aria-labelledby="dnd-heading">
          <h2 id="dnd-heading">DND list</h2>
          {{#canChange}}
          <form method="post" action="/dnd" class="filters" aria-label="Add numbers to the DND list">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div><label for="d-numbers">Numbers, one a line</label><textarea id="d-numbers" name="numbers" rows="3" required placeholder="+447400123456"></textarea></div>
            <div class="actions"><button type="submit">Add to the DND list</button></div>
          </form>
          {{/canChange}}
          <div class="table-wrap"><table>
            <caption>Newest first, the latest {{limit}}</caption>
            <thead><tr><th scope="col">Number</th><th scope="col">Since</th><th scope="col">Remove</th></tr></thead>
            <tbody>
            {{#dnd}}<tr><td>{{recipient}}</td><td>{{created}}</td>
              <td>{{#canChange}}<form method="post" action="/dnd/remove"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="recipient" value="{{recipient}}"><button type="submit" aria-label="Remove {{recipient}} from the DND list">Remove</button></form>{{/canChange}}</td></tr>{{/dnd}}
            {{^dnd}}<tr><td colspan="3">The DND list is empty.</td></tr>{{/dnd}}
            </tbody>
          </table></div>
        </section>
        {{>foot}}
        """

    static let templates = """
        {{>head}}
        <h1>Templates</h1>
        <p>Mustache text: <code>&#123;&#123;name&#125;&#125;</code> takes the send's or the campaign row's variable <code>name</code>.</p>
        {{#canChange}}
        <form method="post" action="/templates" class="filters stacked" aria-label="Create or replace a template">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <div><label for="t-name">Name</label><input id="t-name" name="name" required maxlength="64" pattern="[A-Za-z0-9._-]{1,64}" placeholder="welcome"></div>
          <div><label for="t-channel">Channel</label><select id="t-channel" name="channel"><option value="">any</option>{{#channels}}<option value="{{.}}">{{.}}</option>{{/channels}}</select></div>
          <div><label for="t-subject">Subject (e-mail)</label><input id="t-subject" name="subject"></div>
          <div><label for="t-body">Text</label><textarea id="t-body" name="body" rows="3" required></textarea></div>
          <div><label for="t-html">HTML (e-mail)</label><textarea id="t-html" name="html" rows="3"></textarea></div>
          <div class="actions"><button type="submit">Save template</button></div>
        </form>
        {{/canChange}}
        <div class="table-wrap"><table>
          <caption>By name</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Channel</th><th scope="col">Subject</th><th scope="col">Text</th><th scope="col">Updated</th><th scope="col">Delete</th></tr></thead>
          <tbody>
          {{#templates}}<tr><td><code>{{name}}</code></td><td>{{channel}}</td><td>{{subject}}</td><td class="text">{{body}}</td><td>{{updated}}</td>
            <td>{{#canChange}}<form method="post" action="/templates/{{name}}/delete"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" aria-label="Delete template {{name}}">Delete</button></form>{{/canChange}}</td></tr>{{/templates}}
          {{^templates}}<tr><td colspan="6">No templates yet.</td></tr>{{/templates}}
          </tbody>
        </table></div>
        {{>foot}}
        """

    static let settings = """
        {{>head}}
        <h1>Account {{name}}</h1>
        <section class="card summary" aria-labelledby="balance-heading">
          <h2 id="balance-heading">Balance</h2>
          <p>{{balance}}</p>
        </section>
        <section aria-labelledby="settings-heading">
          <h2 id="settings-heading">Settings</h2>
          <form method="post" action="/settings" class="filters stacked" aria-label="Account settings">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div><label for="a-country">Default country (for national numbers)</label><input id="a-country" name="default_country" value="{{defaultCountry}}" maxlength="2" placeholder="GB"{{^canChange}} readonly{{/canChange}}></div>
            <div><label for="a-validity">Validity in minutes (empty: 48 hours)</label><input id="a-validity" name="validity_minutes" value="{{validityMinutes}}" inputmode="numeric"{{^canChange}} readonly{{/canChange}}></div>
            <div><label for="a-smart">Smart encoding</label><select id="a-smart" name="smart_encoding">{{#smartEncoding}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/smartEncoding}}</select></div>
            <div><label for="a-help">Answer to HELP</label><input id="a-help" name="help_text" value="{{helpText}}"{{^canChange}} readonly{{/canChange}}></div>
            <div><label for="a-quiet-start">Quiet hours from (HH:MM, recipient's time)</label><input id="a-quiet-start" name="quiet_start" value="{{quietStart}}" placeholder="21:00"{{^canChange}} readonly{{/canChange}}></div>
            <div><label for="a-quiet-end">Quiet hours until</label><input id="a-quiet-end" name="quiet_end" value="{{quietEnd}}" placeholder="08:00"{{^canChange}} readonly{{/canChange}}></div>
            <div><label for="a-quiet-mode">In quiet hours</label><select id="a-quiet-mode" name="quiet_hours_mode">{{#quietModes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/quietModes}}</select></div>
            <div><label for="a-opens">Track e-mail opens</label><select id="a-opens" name="track_opens">{{#trackOpens}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/trackOpens}}</select></div>
            <div><label for="a-clicks">Track e-mail clicks</label><select id="a-clicks" name="track_clicks">{{#trackClicks}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/trackClicks}}</select></div>
            <div><label for="a-redact">Redact message text after days (empty: keep)</label><input id="a-redact" name="redact_after_days" value="{{redactAfterDays}}" inputmode="numeric"{{^canChange}} readonly{{/canChange}}></div>
            <div><label for="a-delete">Delete messages after days (empty: keep)</label><input id="a-delete" name="delete_after_days" value="{{deleteAfterDays}}" inputmode="numeric"{{^canChange}} readonly{{/canChange}}></div>
            {{#canChange}}<div class="actions"><button type="submit">Save settings</button></div>{{/canChange}}
          </form>
        </section>
        {{>foot}}
        """
}
