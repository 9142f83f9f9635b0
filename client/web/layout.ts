// The page shell and the one stylesheet (served from /static/app.css: the CSP allows no inline
// styles or scripts). Plain HTML that an old browser on a slow line shows well.
import { html } from './html';
import type { Html } from './html';
import type { Viewer } from './auth';

export const APP_CSS = `
*{box-sizing:border-box}
html{font-size:100%}
body{margin:0;font-family:"PT Sans","Segoe UI",Arial,Helvetica,sans-serif;font-size:16px;line-height:1.45;color:#1b1b1b;background:#f4f5f7}
a{color:#0b4f8a}
a:hover{color:#08365e}
header.top{background:#1f3a60;color:#fff;padding:10px 16px}
header.top .brand{font-size:18px;font-weight:bold;color:#fff;text-decoration:none}
header.top .sub{font-size:13px;opacity:.85}
header.top nav{margin-top:6px;font-size:14px}
header.top nav a,header.top nav .who{color:#fff;margin-right:14px}
header.top nav form{display:inline;margin:0}
header.top nav button{background:none;border:0;color:#fff;text-decoration:underline;cursor:pointer;font:inherit;padding:0}
main{max-width:1180px;margin:0 auto;padding:16px}
main.narrow{max-width:760px}
h1{font-size:24px;margin:8px 0 12px}
h2{font-size:20px;margin:22px 0 10px}
h3{font-size:17px;margin:16px 0 8px}
.card{background:#fff;border:1px solid #d5d9e0;border-radius:4px;padding:14px 16px;margin:12px 0}
.muted{color:#5a6270;font-size:14px}
.notice{border-left:5px solid #1f6fb2;background:#eaf3fb;padding:10px 14px;margin:12px 0}
.ok{border-left:5px solid #2e7d32;background:#ebf6ec;padding:10px 14px;margin:12px 0}
.bad{border-left:5px solid #c62828;background:#fdecec;padding:10px 14px;margin:12px 0}
.warn{border-left:5px solid #b26a00;background:#fff4e0;padding:10px 14px;margin:12px 0}
.big{font-size:20px;font-weight:bold;margin:0 0 4px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #c9ced6;padding:5px 7px;text-align:left;vertical-align:top;font-size:14px}
th{background:#e9edf3;font-weight:bold}
table.report td,table.report th{font-size:13px}
table.report tr.section td{background:#f1f4f8;font-weight:bold;text-align:center}
td.num{text-align:right;white-space:nowrap}
td.nowrap,th.nowrap{white-space:nowrap}
.st{display:inline-block;padding:1px 7px;border-radius:10px;font-size:13px;white-space:nowrap;background:#e6e8ec}
.st-accepted{background:#d8efd9;color:#1b5e20}
.st-rejected,.st-overdue,.st-not_submitted{background:#fbdada;color:#8e1c1c}
.st-excused{background:#e6e8ec;color:#444}
.st-reminded,.st-extended,.st-reopened{background:#fff0cc;color:#6a4500}
.st-submitted,.st-requested{background:#dce9f7;color:#0b3d6b}
form{margin:0}
form.inline{display:inline}
fieldset{border:1px solid #c9ced6;border-radius:4px;margin:10px 0;padding:8px 12px;background:#fff}
legend{font-weight:bold;padding:0 4px}
label{display:block;margin:8px 0 3px;font-weight:bold;font-size:14px}
label.check{font-weight:normal;font-size:15px;display:flex;align-items:flex-start;gap:8px}
input[type=text],input[type=password],input[type=date],input[type=number],select,textarea{font:inherit;font-size:15px;padding:5px 7px;border:1px solid #8a93a1;border-radius:3px;background:#fff;width:100%;max-width:520px}
input[type=number]{max-width:140px}
input[type=date]{max-width:200px}
textarea{max-width:none;min-height:3.2em;resize:vertical}
input[type=file]{font:inherit;margin:6px 0}
button,.button{display:inline-block;font:inherit;font-size:15px;padding:6px 14px;border:1px solid #1f3a60;background:#1f3a60;color:#fff;border-radius:3px;cursor:pointer;text-decoration:none;margin:6px 6px 0 0}
button.secondary,.button.secondary{background:#fff;color:#1f3a60}
button.danger{background:#a52a2a;border-color:#a52a2a}
button.small,.button.small{font-size:13px;padding:2px 8px;margin:0}
.actions{margin-top:10px}
.row-actions form{margin:0 0 4px}
.error-text{color:#a11;font-weight:bold}
progress{width:100%;max-width:520px;height:20px}
.progress-line{margin:6px 0 2px}
ul.findings{margin:6px 0;padding-left:20px}
ul.findings li{margin:3px 0}
.trailing p{margin:2px 0;font-size:14px}
.sha{font-family:Consolas,"Courier New",monospace;font-size:13px;word-break:break-all}
.mail-body{white-space:normal;font-family:Consolas,"Courier New",monospace;font-size:14px;background:#fff;border:1px solid #d5d9e0;padding:12px}
dl.facts{display:table;margin:6px 0}
dl.facts div{display:table-row}
dl.facts dt,dl.facts dd{display:table-cell;padding:2px 12px 2px 0}
dl.facts dt{color:#5a6270}
dl.facts dd{margin:0;font-weight:bold}
form.filters{display:flex;flex-wrap:wrap;align-items:flex-end;gap:4px 12px;background:#fff;border:1px solid #d5d9e0;border-radius:4px;padding:8px 12px;margin:10px 0}
form.filters input[type=text]{max-width:320px}
form.filters select{max-width:200px;width:auto}
form.filters label{margin:0 0 3px}
nav.pager{margin:10px 0;display:flex;flex-wrap:wrap;gap:6px 10px;align-items:baseline}
p.counts a,p.counts strong{white-space:nowrap}
footer{max-width:1180px;margin:20px auto;padding:0 16px 20px;color:#6a717d;font-size:13px}
@media print{header.top nav,.actions,form{display:none}}
`;

/** regionId: an account of one region, which does not see the installation-wide pages. */
export type ShellUser = { name: string; role: string; csrf: string; regionId?: number | null };

/** The signed-in account as every page's header shows it. */
export function shellUser(viewer: Viewer): ShellUser {
  return {
    name: viewer.user.name,
    role: viewer.user.role,
    csrf: viewer.csrf,
    regionId: viewer.user.regionId,
  };
}

function refreshMeta(refresh: PageOptions['refresh']): Html | string {
  if (!refresh) return '';
  const content = typeof refresh === 'number' ? String(refresh) : `${refresh.seconds}; url=${refresh.url}`;
  return html`<meta http-equiv="refresh" content="${content}" />`;
}

export type PageOptions = {
  title: string;
  body: Html;
  user?: ShellUser | null;
  /**
   * <meta http-equiv="refresh">, no JavaScript: seconds (the same page again, the status table), or
   * seconds and the address to load then.
   */
  refresh?: number | { seconds: number; url: string };
  narrow?: boolean;
  /** A short line under the brand: the municipality's page names it here. */
  subtitle?: string;
  devMailbox?: boolean;
  /** The installation's region (from the database): named in the header and the footer. */
  region?: { name: string; genitive: string } | null;
};

const ROLE_LABELS: Record<string, string> = { coordinator: 'координатор', auditor: 'аудитор' };

export function page(options: PageOptions): Html {
  const { user } = options;
  // The mail and the accounts belong to the whole installation: an account of one region is not shown them.
  const installationWide = !user?.regionId;
  const nav = user
    ? html`<nav>
        <a href="/quarters">Кварталы</a>
        ${installationWide ? html`<a href="/mail">Входящая почта</a>` : ''}
        ${user.role === 'coordinator' ? html`<a href="/timeliness">Своевременность</a> <a href="/registry">Реестр</a>` : ''}
        ${user.role === 'coordinator' && installationWide ? html`<a href="/users">Учетные записи</a>` : ''}
        ${options.devMailbox ? html`<a href="/dev/mailbox">Почтовый ящик (разработка)</a>` : ''}
        <span class="who">${user.name} (${ROLE_LABELS[user.role] ?? user.role})</span>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value="${user.csrf}" /><button type="submit">Выйти</button>
        </form>
      </nav>`
    : '';
  return html`<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${refreshMeta(options.refresh)}
<title>${options.title} — Svodka</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header class="top">
  ${user ? html`<a class="brand" href="/quarters">Svodka</a>` : html`<span class="brand">Svodka</span>`}
  <div class="sub">${options.subtitle ?? html`Сбор сведений о мероприятиях в международной сфере${options.region ? html` · ${options.region.name}` : ''}`}</div>
  ${nav}
</header>
<main${options.narrow ? html` class="narrow"` : ''}>
${options.body}
</main>
<footer>Svodka — сведения о мероприятиях в международной сфере, проведенных органами местного самоуправления муниципальных образований${options.region ? html` ${options.region.genitive}` : ''}.</footer>
</body>
</html>
`;
}
