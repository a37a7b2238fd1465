namespace Madvise.Abi;

/// <summary>POSIX capability numbers (include/uapi/linux/capability.h).</summary>
public enum Capability
{
    /// <summary>Change file owners and groups.</summary>
    CAP_CHOWN = 0,
    /// <summary>Bypass file read, write and execute permission checks.</summary>
    CAP_DAC_OVERRIDE = 1,
    /// <summary>Bypass file read and directory search checks.</summary>
    CAP_DAC_READ_SEARCH = 2,
    /// <summary>Bypass checks that require the file owner's uid.</summary>
    CAP_FOWNER = 3,
    /// <summary>Keep set-user-ID and set-group-ID bits when a file is modified.</summary>
    CAP_FSETID = 4,
    /// <summary>Send signals to any process.</summary>
    CAP_KILL = 5,
    /// <summary>Change group ids and supplementary groups.</summary>
    CAP_SETGID = 6,
    /// <summary>Change user ids.</summary>
    CAP_SETUID = 7,
    /// <summary>Change capability bounding and inheritable sets.</summary>
    CAP_SETPCAP = 8,
    /// <summary>Set immutable and append-only file attributes.</summary>
    CAP_LINUX_IMMUTABLE = 9,
    /// <summary>Bind ports below 1024.</summary>
    CAP_NET_BIND_SERVICE = 10,
    /// <summary>Broadcast and listen to multicast (unused).</summary>
    CAP_NET_BROADCAST = 11,
    /// <summary>Network administration.</summary>
    CAP_NET_ADMIN = 12,
    /// <summary>Raw and packet sockets.</summary>
    CAP_NET_RAW = 13,
    /// <summary>Lock memory (mlock, mlockall, MAP_LOCKED, SHM_LOCK) beyond RLIMIT_MEMLOCK.</summary>
    CAP_IPC_LOCK = 14,
    /// <summary>Bypass System V IPC permission checks.</summary>
    CAP_IPC_OWNER = 15,
    /// <summary>Load and unload kernel modules.</summary>
    CAP_SYS_MODULE = 16,
    /// <summary>Raw I/O port and device access.</summary>
    CAP_SYS_RAWIO = 17,
    /// <summary>Use chroot(2).</summary>
    CAP_SYS_CHROOT = 18,
    /// <summary>Trace any process; process_madvise and process_vm_readv on other users' processes.</summary>
    CAP_SYS_PTRACE = 19,
    /// <summary>Use acct(2).</summary>
    CAP_SYS_PACCT = 20,
    /// <summary>System administration (many operations; process_madvise of any advice on a foreign process).</summary>
    CAP_SYS_ADMIN = 21,
    /// <summary>Reboot and kexec.</summary>
    CAP_SYS_BOOT = 22,
    /// <summary>Raise priorities, set other processes' scheduling and CPU affinity; migrate pages.</summary>
    CAP_SYS_NICE = 23,
    /// <summary>Override resource limits.</summary>
    CAP_SYS_RESOURCE = 24,
    /// <summary>Set the system clock.</summary>
    CAP_SYS_TIME = 25,
    /// <summary>Configure terminals (vhangup).</summary>
    CAP_SYS_TTY_CONFIG = 26,
    /// <summary>Create device files.</summary>
    CAP_MKNOD = 27,
    /// <summary>Take leases on any file.</summary>
    CAP_LEASE = 28,
    /// <summary>Write the audit log.</summary>
    CAP_AUDIT_WRITE = 29,
    /// <summary>Configure auditing.</summary>
    CAP_AUDIT_CONTROL = 30,
    /// <summary>Set file capabilities.</summary>
    CAP_SETFCAP = 31,
    /// <summary>Override mandatory access control.</summary>
    CAP_MAC_OVERRIDE = 32,
    /// <summary>Configure mandatory access control.</summary>
    CAP_MAC_ADMIN = 33,
    /// <summary>Privileged syslog operations.</summary>
    CAP_SYSLOG = 34,
    /// <summary>Set wake-up alarms.</summary>
    CAP_WAKE_ALARM = 35,
    /// <summary>Block system suspend.</summary>
    CAP_BLOCK_SUSPEND = 36,
    /// <summary>Read the audit log over netlink.</summary>
    CAP_AUDIT_READ = 37,
    /// <summary>Performance monitoring (perf_events, BPF).</summary>
    CAP_PERFMON = 38,
    /// <summary>Privileged BPF operations.</summary>
    CAP_BPF = 39,
    /// <summary>Checkpoint and restore operations.</summary>
    CAP_CHECKPOINT_RESTORE = 40,
}
