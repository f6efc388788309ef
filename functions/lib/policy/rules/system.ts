import type { Level, ToolSpec } from "../spec.ts";

const machine: ToolSpec = {
  names: `mkfs mkfs.ext2 mkfs.ext3 mkfs.ext4 mkfs.xfs mkfs.btrfs mkfs.vfat mkfs.fat mkfs.ntfs mkfs.exfat mkfs.f2fs
    mke2fs mkswap wipefs fdisk sfdisk cfdisk gdisk sgdisk parted blkdiscard losetup cryptsetup mdadm lvcreate lvremove
    lvresize lvextend vgcreate vgremove pvcreate pvremove hdparm badblocks e2fsck fsck tune2fs resize2fs mount umount
    swapon swapoff ldconfig update-alternatives update-ca-certificates locale-gen modprobe insmod rmmod iptables
    ip6tables nft ufw firewall-cmd nsenter useradd userdel usermod groupadd groupdel groupmod adduser deluser addgroup
    delgroup chsh chfn corepack setenforce halt poweroff reboot shutdown init telinit killall5 systemd-run kexec sysrq unshare
    at batch crontab sysctl ifconfig route hostnamectl timedatectl hostname journalctl dmesg`,
  anyOption: true,
  logic: (call) => {
    // The read forms of a few of them: `crontab -l`, `sysctl -a`, `hostname`, `journalctl -u x`, `dmesg`.
    const words = call.inv.args.map((a) => a.value);
    const reads: Readonly<Record<string, (w: readonly (string | null)[]) => boolean>> = {
      crontab: (w) => w.length === 1 && w[0] === "-l",
      sysctl: (w) =>
        !w.some((a) => a === null || a === "-w" || a === "-p" || a === "--system" || a.includes("=")),
      ifconfig: (w) => w.length <= 1,
      route: (w) => !w.some((a) => a === null || a === "add" || a === "del"),
      hostnamectl: (w) => !w.some((a) => a === null || a.startsWith("set-")),
      timedatectl: (w) => !w.some((a) => a === null || a.startsWith("set-")),
      hostname: (w) => w.every((a) => a?.startsWith("-") && !/^-[bF]|^--(boot|file)/.test(a)),
      journalctl: (w) =>
        !w.some((a) => a === null || /^--(vacuum|rotate|flush|sync|relinquish|setup-keys)/.test(a)),
      dmesg: (w) => !w.some((a) => a === null || /^-[a-zA-Z]*[cCDEn]|^--(clear|read-clear|console)/.test(a)),
    };
    if (reads[call.inv.name]?.(words)) call.find("read-only", "reads system information");
    else
      call.find(
        "destructive",
        "changes the machine outside the workspace (disks, kernel, users, schedules or power)",
      );
  },
  examples: {
    allow: [],
    approve: ["mkfs.ext4 /dev/sda1", "reboot", "crontab -r", "sysctl -w x=1", "dmesg -c"],
  },
};

const packageReads =
  "search show list info policy madison depends rdepends provides whatprovides outdated query showpkg changelog check doctor deps uses leaves desc home config help repolist";

const systemPackages: ToolSpec = {
  names:
    "conda mamba micromamba apt apt-get apt-cache aptitude yum dnf microdnf zypper apk pacman brew port snap flatpak choco winget scoop emerge nix-env dpkg rpm",
  default: "read-only",
  anyOption: true,
  subcommands: { [packageReads]: "read-only" },
  examples: {
    allow: ["apt list --installed", "brew info node"],
    approve: ["apt-get install -y curl", "brew install x", "dpkg -i x.deb"],
  },
};

/** Unknown subcommands of OS package managers install, remove or upgrade system packages: named here, not guessed. */
const packageWrites: Level = {
  class: "destructive",
  detail: "changes system packages outside the workspace",
  anyOption: true,
};
const systemPackageWrites =
  "install remove purge upgrade update dist-upgrade full-upgrade autoremove add del reinstall uninstall tap untap link unlink";

const services: ToolSpec = {
  names: "systemctl service rc-service launchctl",
  default: "read-only",
  anyOption: true,
  subcommands: {
    "status is-active is-enabled is-failed list-units list-unit-files list-timers list-sockets show cat list-dependencies get-default list print blame version --status-all":
      "read-only",
    "start stop restart reload enable disable mask unmask kill daemon-reload isolate set-default edit load unload bootout bootstrap":
      { class: "destructive", detail: "changes system services", anyOption: true, operands: "data" },
  },
  examples: { allow: ["systemctl status nginx"], approve: ["systemctl stop nginx", "service x restart"] },
};

const kill: ToolSpec = {
  names: "kill pkill killall",
  class: "workspace-write",
  rawArgs: true,
  detail: "stops session processes",
  anyOption: true,
  options: "-s|-n|--signal|-u|-U|-g|-G|-P|-t|-F|--pidfile|--ns=",
  logic: (call) => {
    if (call.operands.some((t) => t.value === null)) {
      call.find("unknown", "signals a target only known at run time");
      return;
    }
    const targets = call.operands.map((t) => t.value as string);
    if (call.inv.name === "kill" && targets.some((t) => t === "-1" || t === "1"))
      call.find("destructive", "signals every process (or init)");
    if (call.inv.name !== "kill" && targets.some((t) => /^(\.|\.\*|\^|\^\.\*|\$|)$/.test(t)))
      call.find("destructive", "stops every process");
  },
  examples: { allow: ["kill 12345", "pkill -f 'node server.js'"], approve: ["kill -9 -1", "pkill ."] },
};

const network: ToolSpec = {
  names: "ip",
  default: "read-only",
  anyOption: true,
  logic: (call) => {
    const changes = "add del delete set change replace flush up down append".split(" ");
    if (call.inv.args.some((a) => a.value === null || changes.includes(a.value)))
      call.find("destructive", "changes network configuration");
    else call.find("read-only", "reads network configuration");
  },
  examples: { allow: ["ip addr"], approve: ["ip link set eth0 down"] },
};

const passwords: ToolSpec = {
  names: "passwd chpasswd visudo vipw",
  class: "credentials",
  detail: "changes passwords or privileges",
  anyOption: true,
  examples: { allow: [], approve: ["passwd"] },
};

export const systemSpecs: readonly ToolSpec[] = [
  machine,
  { ...systemPackages, subcommands: { [packageReads]: "read-only", [systemPackageWrites]: packageWrites } },
  services,
  kill,
  network,
  passwords,
];
