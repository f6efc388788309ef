import type { Finding } from "../findings.ts";
import type { Invocation, RuleContext, RuleTable } from "../invocation.ts";
import type { Word } from "../shell-words.ts";
import { hasOption, optionValue, optionValues, parseArgs } from "./arguments.ts";
import { classed, readOnly, runtimeOnly, writesPaths } from "./helpers.ts";

const CURL_DATA = [
  "-d",
  "--data",
  "--data-raw",
  "--data-binary",
  "--data-urlencode",
  "--data-ascii",
  "--json",
  "-F",
  "--form",
  "--form-string",
  "--expand-data",
  "--expand-json",
];
/** curl options that take a value (so the value is not mistaken for a URL): the data options and these. */
const CURL_VALUED = [
  ...CURL_DATA,
  "-T",
  "--upload-file",
  "-X",
  "--request",
  "-o",
  "--output",
  "-H",
  "--header",
  "-u",
  "--user",
  "-A",
  "--user-agent",
  "-e",
  "--referer",
  "-b",
  "--cookie",
  "-c",
  "--cookie-jar",
  "-K",
  "--config",
  "--output-dir",
  "-w",
  "--write-out",
  "-m",
  "--max-time",
  "--connect-timeout",
  "--retry",
  "--retry-delay",
  "--expand-header",
  "--expand-output",
];
const CURL_FILES_WRITTEN = [
  "-o",
  "--output",
  "-c",
  "--cookie-jar",
  "-D",
  "--dump-header",
  "--trace",
  "--trace-ascii",
  "--etag-save",
  "--hsts",
  "--alt-svc",
  "--stderr",
];
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * curl: a GET is read-only (its output files are judged as writes); data, forms, uploads, non-GET methods, mail
 * and raw protocols send data out and are network-write; credentials on the command line are credentials.
 */
function curlRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, { valued: CURL_VALUED });
  if (parsed.dynamicOption) return runtimeOnly(inv, "curl with an option only known at run time");
  if (hasOption(parsed, "-K", "--config"))
    return runtimeOnly(inv, "curl reads more options from a config file");
  const findings: Finding[] = [];
  const method = optionValue(parsed, "-X", "--request");
  const urls = [...parsed.positionals, ...optionValues(parsed, "--url")];
  const get = hasOption(parsed, "-G", "--get");
  const sendsData = !get && optionValues(parsed, ...CURL_DATA).length > 0;
  const uploads = optionValues(parsed, "-T", "--upload-file").length > 0;
  const nonGet =
    method !== undefined && (method.value === null || !SAFE_METHODS.has(method.value.toUpperCase()));
  const mail = optionValues(parsed, "--mail-rcpt").length > 0;
  const rawProtocol = urls.some((u) =>
    u.value === null ? false : /^(telnet|dict|gopher|gophers|smtp|smtps|mqtt|ldap|ldaps):\/\//i.test(u.value),
  );
  if (sendsData || uploads || nonGet || mail || rawProtocol) {
    const what = uploads
      ? "uploads a file"
      : nonGet
        ? `sends a ${method?.value ?? "run-time"} request`
        : mail
          ? "sends mail"
          : rawProtocol
            ? "talks a raw protocol"
            : "sends data";
    findings.push(...classed("network-write", inv, `${what} over the network`));
  }
  if (
    hasOption(
      parsed,
      "-u",
      "--user",
      "-n",
      "--netrc",
      "--netrc-optional",
      "--netrc-file",
      "--oauth2-bearer",
      "--aws-sigv4",
      "-U",
      "--proxy-user",
      "-E",
      "--cert",
    )
  ) {
    findings.push(...classed("credentials", inv, "sends stored or literal credentials with the request"));
  }
  if (
    optionValues(parsed, "-H", "--header").some((h) =>
      /^["']?\s*(authorization|cookie|x-api-key|private-token|x-auth-token)\s*:/i.test(h.value ?? h.raw),
    )
  ) {
    findings.push(...classed("credentials", inv, "sends an authorization header"));
  }
  const written = optionValues(parsed, ...CURL_FILES_WRITTEN).filter((w) => w.value !== "-");
  const remoteName =
    hasOption(parsed, "-O", "--remote-name", "--remote-name-all") ||
    optionValue(parsed, "--output-dir") !== undefined;
  const outputs = [
    ...written,
    ...(remoteName ? [optionValue(parsed, "--output-dir") ?? { value: ".", raw: "." }] : []),
  ];
  if (outputs.length > 0)
    findings.push(...writesPaths(inv, ctx, outputs, "write", "downloads into the workspace"));
  if (findings.length === 0) findings.push(...readOnly(inv, "fetches a URL (GET)"));
  return findings;
}

function wgetRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-O",
      "--output-document",
      "-o",
      "--output-file",
      "-a",
      "--append-output",
      "-P",
      "--directory-prefix",
      "-i",
      "--input-file",
      "--post-data",
      "--post-file",
      "--body-data",
      "--body-file",
      "--method",
      "-e",
      "--execute",
      "--config",
      "--user",
      "--password",
      "--http-user",
      "--http-password",
      "--header",
      "-U",
      "--user-agent",
      "-t",
      "--tries",
      "-T",
      "--timeout",
      "-w",
      "--wait",
      "-Q",
      "--quota",
      "-l",
      "--level",
      "-A",
      "--accept",
      "-R",
      "--reject",
      "--load-cookies",
      "--save-cookies",
      "-B",
      "--base",
      "--ca-certificate",
      "--certificate",
      "--private-key",
    ],
  });
  if (hasOption(parsed, "-e", "--execute", "--config"))
    return runtimeOnly(inv, "wget runs extra wgetrc commands");
  const findings: Finding[] = [];
  const method = optionValue(parsed, "--method");
  if (
    hasOption(parsed, "--post-data", "--post-file", "--body-data", "--body-file") ||
    (method !== undefined && (method.value === null || !SAFE_METHODS.has(method.value.toUpperCase())))
  ) {
    findings.push(...classed("network-write", inv, "sends data over the network"));
  }
  if (
    hasOption(
      parsed,
      "--user",
      "--password",
      "--http-user",
      "--http-password",
      "--use-askpass",
      "--ask-password",
      "--private-key",
      "--certificate",
    )
  ) {
    findings.push(...classed("credentials", inv, "sends credentials with the request"));
  }
  if (hasOption(parsed, "--spider"))
    return findings.length > 0 ? findings : readOnly(inv, "checks that a URL exists");
  const document = optionValue(parsed, "-O", "--output-document");
  const outputs: Word[] = [
    ...optionValues(parsed, "-o", "--output-file", "-a", "--append-output", "--save-cookies"),
    ...(document === undefined
      ? [optionValue(parsed, "-P", "--directory-prefix") ?? { value: ".", raw: "." }]
      : document.value === "-"
        ? []
        : [document]),
  ];
  const writes = writesPaths(inv, ctx, outputs, "write", "downloads into the workspace");
  return [
    ...findings,
    ...(outputs.length === 0 ? readOnly(inv, "fetches a URL to standard output") : writes),
  ];
}

/** An HTTPie request item sends data unless it is a query parameter (`a==b`) or a header (`Name:value`). */
function isDataItem(item: string): boolean {
  const index = item.search(/[:=@]/);
  if (index < 0) return false;
  const separator = /^(:=@|=@|:=|==|=|@|:)/.exec(item.slice(index))?.[1];
  return separator !== "==" && separator !== ":";
}

/** HTTPie / xh: `http [METHOD] URL [ITEM...]`; data items or a writing method send data. */
function httpieRule(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-a",
      "--auth",
      "-A",
      "--auth-type",
      "--session",
      "--session-read-only",
      "-o",
      "--output",
      "--verify",
      "--cert",
      "--cert-key",
      "--proxy",
      "--timeout",
      "--format-options",
      "-p",
      "--print",
      "--style",
      "-s",
      "--pretty",
      "--boundary",
      "--raw",
    ],
  });
  if (hasOption(parsed, "--offline")) return readOnly(inv, "prints the request without sending it");
  const [first, ...others] = parsed.positionals;
  const methodGiven = first?.value != null && /^[A-Z]+$/.test(first.value);
  const method = methodGiven ? (first?.value ?? "GET") : undefined;
  const items = methodGiven ? others.slice(1) : others;
  const data = items.some((w) => w.value === null || isDataItem(w.value));
  const findings: Finding[] = [];
  if ((method !== undefined && !SAFE_METHODS.has(method)) || data || hasOption(parsed, "--raw")) {
    findings.push(...classed("network-write", inv, "sends data over the network"));
  }
  if (
    hasOption(parsed, "-a", "--auth", "--session") ||
    items.some((w) => /^(authorization|cookie|x-api-key):/i.test(w.value ?? ""))
  ) {
    findings.push(...classed("credentials", inv, "sends credentials with the request"));
  }
  return findings.length > 0 ? findings : readOnly(inv, "fetches a URL (GET)");
}

function rawSocket(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, { valued: ["-w", "-p", "-s", "-i", "-q"] });
  if (
    (inv.name === "nc" || inv.name === "netcat" || inv.name === "ncat") &&
    hasOption(parsed, "-z") &&
    !hasOption(parsed, "-e", "-c", "--exec", "--sh-exec")
  ) {
    return readOnly(inv, "checks whether a port is open");
  }
  return classed("network-write", inv, "opens a raw network connection that can send anything");
}

function sshRule(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-b",
      "-c",
      "-D",
      "-E",
      "-e",
      "-F",
      "-I",
      "-i",
      "-J",
      "-L",
      "-l",
      "-m",
      "-O",
      "-o",
      "-p",
      "-Q",
      "-R",
      "-S",
      "-W",
      "-w",
      "-B",
    ],
  });
  if (hasOption(parsed, "-V", "-G", "-Q")) return readOnly(inv, "prints ssh information");
  return classed("network-write", inv, "runs commands on or copies data to a remote host over ssh");
}

const REMOTE_SPEC = /^([\w.-]+@)?[\w.-]+:(?!\/\/)|^rsync:\/\/|::/;

function rsyncRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-e",
      "--rsh",
      "--exclude",
      "--include",
      "--exclude-from",
      "--include-from",
      "--filter",
      "-f",
      "--files-from",
      "--rsync-path",
      "--password-file",
      "--log-file",
      "--backup-dir",
      "--suffix",
      "--chmod",
      "--chown",
      "-T",
      "--temp-dir",
      "--partial-dir",
      "--compare-dest",
      "--copy-dest",
      "--link-dest",
      "--bwlimit",
      "--timeout",
      "--contimeout",
      "--port",
      "--address",
      "--max-size",
      "--min-size",
      "--out-format",
      "--info",
      "--debug",
    ],
  });
  if (
    optionValue(parsed, "-e", "--rsh") !== undefined ||
    parsed.positionals.some((w) => w.value === null || REMOTE_SPEC.test(w.value))
  ) {
    return classed("network-write", inv, "copies files to or from a remote host");
  }
  const destination = parsed.positionals.at(-1);
  if (destination === undefined || parsed.positionals.length < 2) return readOnly(inv, "lists files");
  const removes = hasOption(
    parsed,
    "--delete",
    "--delete-before",
    "--delete-after",
    "--delete-during",
    "--delete-excluded",
    "--remove-source-files",
  );
  return writesPaths(
    inv,
    ctx,
    [destination],
    removes ? "remove" : "write",
    "copies files within the workspace",
  );
}

function opensslRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const sub = inv.args[0]?.value;
  if (sub === "s_server") return classed("network-write", inv, "serves TLS on the network");
  const parsed = parseArgs(inv.args.slice(1), {
    valued: [
      "-out",
      "-in",
      "-key",
      "-passin",
      "-passout",
      "-config",
      "-subj",
      "-days",
      "-connect",
      "-servername",
      "-inkey",
      "-keyout",
      "-name",
      "-pass",
      "-signkey",
      "-CA",
      "-CAkey",
    ],
    clusters: false,
  });
  const outputs = optionValues(parsed, "-out", "-keyout");
  if (hasOption(parsed, "-passin", "-passout", "-pass"))
    return classed("credentials", inv, "passes a key passphrase");
  if (outputs.length > 0)
    return writesPaths(inv, ctx, outputs, "write", "writes keys or certificates into the workspace");
  return readOnly(inv, `openssl ${sub ?? ""} prints its result`);
}

function sshKeygenRule(inv: Invocation, ctx: RuleContext): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: [
      "-f",
      "-t",
      "-b",
      "-C",
      "-N",
      "-P",
      "-F",
      "-R",
      "-E",
      "-O",
      "-n",
      "-I",
      "-V",
      "-s",
      "-Y",
      "-m",
      "-a",
      "-w",
      "-Z",
    ],
  });
  if (hasOption(parsed, "-l", "-F", "-B", "-H") && !hasOption(parsed, "-R"))
    return readOnly(inv, "prints key fingerprints or known hosts");
  const file = optionValue(parsed, "-f");
  if (file !== undefined && !hasOption(parsed, "-y", "-p", "-c", "-R")) {
    const written = writesPaths(inv, ctx, [file], "write", "creates a key pair in the workspace");
    return written;
  }
  return classed("credentials", inv, "creates, changes or reads SSH keys");
}

function gpgRule(inv: Invocation): Finding[] {
  const flags = inv.args.map((a) => a.value ?? "");
  if (
    flags.some((f) =>
      /^--(verify|list-keys|list-public-keys|fingerprint|version|list-packets|help|print-md|show-keys)$|^-k$/.test(
        f,
      ),
    ) &&
    !flags.some((f) => /secret|decrypt|export/.test(f))
  ) {
    return readOnly(inv, "reads public keys or verifies signatures");
  }
  return classed("credentials", inv, "uses or changes secret keys");
}

export const networkRules: RuleTable = {
  curl: curlRule,
  wget: wgetRule,
  wget2: wgetRule,
  http: httpieRule,
  https: httpieRule,
  xh: httpieRule,
  xhs: httpieRule,
  httpie: httpieRule,
  nc: rawSocket,
  ncat: rawSocket,
  netcat: rawSocket,
  socat: rawSocket,
  telnet: rawSocket,
  websocat: rawSocket,
  ssh: sshRule,
  autossh: sshRule,
  mosh: sshRule,
  scp: (inv) => classed("network-write", inv, "copies files to or from a remote host"),
  sftp: (inv) => classed("network-write", inv, "copies files to or from a remote host"),
  ftp: (inv) => classed("network-write", inv, "transfers files over the network"),
  lftp: (inv) => classed("network-write", inv, "transfers files over the network"),
  tftp: (inv) => classed("network-write", inv, "transfers files over the network"),
  smbclient: (inv) => classed("network-write", inv, "transfers files over the network"),
  rsync: rsyncRule,
  mail: (inv) => classed("network-write", inv, "sends email"),
  mailx: (inv) => classed("network-write", inv, "sends email"),
  sendmail: (inv) => classed("network-write", inv, "sends email"),
  mutt: (inv) => classed("network-write", inv, "sends email"),
  msmtp: (inv) => classed("network-write", inv, "sends email"),
  swaks: (inv) => classed("network-write", inv, "sends email"),
  openssl: opensslRule,
  "ssh-keygen": sshKeygenRule,
  "ssh-add": (inv) =>
    inv.args.some((a) => a.value === "-l" || a.value === "-L")
      ? classed("credentials", inv, "lists keys held by the agent")
      : classed("credentials", inv, "loads keys into the SSH agent"),
  "ssh-agent": (inv) => classed("credentials", inv, "starts an SSH agent holding keys"),
  "ssh-copy-id": (inv) => [
    ...classed("credentials", inv, "installs a key on a remote host"),
    ...classed("network-write", inv, "writes to a remote host"),
  ],
  gpg: gpgRule,
  gpg2: gpgRule,
  "wait-for-it": (inv) => readOnly(inv, "waits for a port"),
  ngrok: (inv) => classed("network-write", inv, "exposes a local port to the internet"),
  cloudflared: (inv) => classed("network-write", inv, "exposes a local port to the internet"),
};
