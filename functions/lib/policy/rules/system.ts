import type { Finding } from "../findings.ts";
import type { Invocation, RuleTable } from "../invocation.ts";
import { parseArgs } from "./arguments.ts";
import { classed, readOnly, runtimeOnly, workspaceWrite } from "./helpers.ts";

const destructive = (detail: string) => (inv: Invocation) => classed("destructive", inv, detail);

/** Disks and file systems: nothing a repair needs. */
const DISK_TOOLS: RuleTable = Object.fromEntries(
  [
    "mkfs",
    "mkfs.ext2",
    "mkfs.ext3",
    "mkfs.ext4",
    "mkfs.xfs",
    "mkfs.btrfs",
    "mkfs.vfat",
    "mkfs.fat",
    "mkfs.ntfs",
    "mkfs.exfat",
    "mkfs.f2fs",
    "mke2fs",
    "mkswap",
    "wipefs",
    "fdisk",
    "sfdisk",
    "cfdisk",
    "gdisk",
    "sgdisk",
    "parted",
    "blkdiscard",
    "losetup",
    "cryptsetup",
    "mdadm",
    "lvcreate",
    "lvremove",
    "lvresize",
    "lvextend",
    "vgcreate",
    "vgremove",
    "pvcreate",
    "pvremove",
    "hdparm",
    "badblocks",
    "e2fsck",
    "fsck",
    "tune2fs",
    "resize2fs",
    "mount",
    "umount",
    "swapon",
    "swapoff",
    "ldconfig",
    "update-alternatives",
    "update-ca-certificates",
    "locale-gen",
    "modprobe",
    "insmod",
    "rmmod",
    "iptables",
    "ip6tables",
    "nft",
    "ufw",
    "firewall-cmd",
    "nsenter",
    "useradd",
    "userdel",
    "usermod",
    "groupadd",
    "groupdel",
    "groupmod",
    "adduser",
    "deluser",
    "addgroup",
    "delgroup",
    "chsh",
    "chfn",
    "setenforce",
    "halt",
    "poweroff",
    "reboot",
    "shutdown",
    "init",
    "telinit",
    "killall5",
    "systemd-run",
    "kexec",
    "sysrq",
  ].map((name) => [
    name,
    destructive("changes the machine outside the workspace (disks, kernel, users or power)"),
  ]),
);

const PACKAGE_READS = new Set([
  "search",
  "show",
  "list",
  "info",
  "policy",
  "madison",
  "depends",
  "rdepends",
  "provides",
  "whatprovides",
  "outdated",
  "-v",
  "--version",
  "-V",
  "query",
  "-q",
  "-Q",
  "-l",
  "-L",
  "-s",
  "-S",
  "showpkg",
  "changelog",
  "check",
  "doctor",
  "deps",
  "uses",
  "leaves",
  "desc",
  "home",
  "config",
  "--help",
  "help",
  "repolist",
]);

/** OS package managers: reads are fine, any change is outside the workspace. */
function systemPackages(inv: Invocation): Finding[] {
  const sub = inv.args.find(
    (a) => a.value === null || !a.value.startsWith("-") || PACKAGE_READS.has(a.value),
  )?.value;
  if (sub === null) return runtimeOnly(inv, `${inv.name} with an action only known at run time`);
  if (sub === undefined || PACKAGE_READS.has(sub))
    return readOnly(inv, `reads system package information (${inv.name})`);
  return classed("destructive", inv, `${inv.name} ${sub} changes system packages outside the workspace`);
}

function serviceManager(reads: readonly string[]) {
  return (inv: Invocation): Finding[] => {
    const words = inv.args.map((a) => a.value).filter((v) => v === null || !v.startsWith("-"));
    if (words.some((w) => w === null))
      return runtimeOnly(inv, `${inv.name} with an action only known at run time`);
    if (words.length === 0 || words.some((w) => reads.includes(w as string)))
      return readOnly(inv, "reads service status");
    return classed("destructive", inv, `${inv.name} changes system services`);
  };
}

function killRule(inv: Invocation): Finding[] {
  const args = inv.args.map((a) => a.value);
  if (args.some((a) => a === null)) return runtimeOnly(inv, "kill with a target only known at run time");
  if (args.includes("-l") || args.includes("-L") || args.length === 0) return readOnly(inv, "lists signals");
  let index = 0;
  if (args[0] === "-s" || args[0] === "-n") index = 2;
  else if (/^-[A-Za-z0-9]+$/.test(args[0] ?? "") && args.length > 1) index = 1;
  const targets = args.slice(index) as string[];
  if (targets.some((t) => t === "-1" || t === "1"))
    return classed("destructive", inv, "signals every process (or init)");
  return workspaceWrite(inv, "stops session processes");
}

function pkillRule(inv: Invocation): Finding[] {
  const parsed = parseArgs(inv.args, {
    valued: ["-u", "-U", "-g", "-G", "-P", "-s", "-t", "--signal", "-F", "--pidfile", "-n", "--ns"],
  });
  const pattern = parsed.positionals[0];
  if (
    pattern === undefined &&
    !parsed.options.some((o) => ["-u", "-U", "-g", "-G", "-P", "-s", "-t"].includes(o.name))
  ) {
    return readOnly(inv, `${inv.name} with no pattern`);
  }
  if (pattern?.value === null) return runtimeOnly(inv, `${inv.name} with a pattern only known at run time`);
  if (pattern !== undefined && /^(\.|\.\*|\^|\^\.\*|\$|)$/.test(pattern.value))
    return classed("destructive", inv, "stops every process");
  return workspaceWrite(inv, "stops session processes by name");
}

function crontabRule(inv: Invocation): Finding[] {
  return inv.args.length === 1 && inv.args[0]?.value === "-l"
    ? readOnly(inv, "lists scheduled tasks")
    : classed("destructive", inv, "changes scheduled tasks");
}

function sysctlRule(inv: Invocation): Finding[] {
  const writes = inv.args.some(
    (a) =>
      a.value === null ||
      a.value === "-w" ||
      a.value === "-p" ||
      a.value === "--system" ||
      a.value.includes("="),
  );
  return writes
    ? classed("destructive", inv, "changes kernel parameters")
    : readOnly(inv, "reads kernel parameters");
}

function ipRule(inv: Invocation): Finding[] {
  const words = inv.args.map((a) => a.value ?? "").filter((w) => !w.startsWith("-"));
  const changes = words.some((w) =>
    ["add", "del", "delete", "set", "change", "replace", "flush", "up", "down", "append"].includes(w),
  );
  return changes
    ? classed("destructive", inv, "changes network configuration")
    : readOnly(inv, "reads network configuration");
}

export const systemRules: RuleTable = {
  ...DISK_TOOLS,
  apt: systemPackages,
  "apt-get": systemPackages,
  "apt-cache": (inv) => readOnly(inv, "reads package information"),
  aptitude: systemPackages,
  yum: systemPackages,
  dnf: systemPackages,
  microdnf: systemPackages,
  zypper: systemPackages,
  apk: systemPackages,
  pacman: systemPackages,
  brew: systemPackages,
  port: systemPackages,
  snap: systemPackages,
  flatpak: systemPackages,
  choco: systemPackages,
  winget: systemPackages,
  scoop: systemPackages,
  emerge: systemPackages,
  "nix-env": systemPackages,
  dpkg: systemPackages,
  rpm: systemPackages,
  systemctl: serviceManager([
    "status",
    "is-active",
    "is-enabled",
    "is-failed",
    "list-units",
    "list-unit-files",
    "list-timers",
    "list-sockets",
    "show",
    "cat",
    "list-dependencies",
    "--version",
    "get-default",
  ]),
  service: serviceManager(["status", "--status-all"]),
  "rc-service": serviceManager(["status"]),
  launchctl: serviceManager(["list", "print", "blame", "version"]),
  kill: killRule,
  pkill: pkillRule,
  killall: pkillRule,
  crontab: crontabRule,
  at: (inv) => runtimeOnly(inv, "schedules commands to run later, outside this review"),
  batch: (inv) => runtimeOnly(inv, "schedules commands to run later, outside this review"),
  sysctl: sysctlRule,
  ip: ipRule,
  ifconfig: (inv) =>
    inv.args.length <= 1
      ? readOnly(inv, "reads network interfaces")
      : classed("destructive", inv, "changes network interfaces"),
  route: (inv) =>
    inv.args.some((a) => a.value === "add" || a.value === "del")
      ? classed("destructive", inv, "changes routes")
      : readOnly(inv, "reads routes"),
  hostnamectl: (inv) =>
    inv.args.some((a) => a.value?.startsWith("set-"))
      ? classed("destructive", inv, "changes the host name")
      : readOnly(inv, "reads the host name"),
  timedatectl: (inv) =>
    inv.args.some((a) => a.value?.startsWith("set-"))
      ? classed("destructive", inv, "changes the clock")
      : readOnly(inv, "reads the clock"),
  passwd: (inv) => classed("credentials", inv, "changes a password"),
  chpasswd: (inv) => classed("credentials", inv, "changes passwords"),
  visudo: (inv) => classed("credentials", inv, "changes sudo rules"),
  vipw: (inv) => classed("credentials", inv, "changes the password file"),
  unshare: (inv) => classed("destructive", inv, "runs a command in new namespaces"),
};
