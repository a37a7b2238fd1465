using Madvise.Abi;

namespace Madvise.Kernel.Tasks;

/// <summary>ptrace-style access checks (Linux: kernel/ptrace.c __ptrace_may_access(), security/commoncap.c cap_ptrace_access_check()).</summary>
public static class PtraceAccess
{
    /// <summary>
    /// PTRACE_MODE_READ_FSCREDS: may <paramref name="caller"/> inspect <paramref name="target"/>?
    /// Same process: yes. Otherwise the caller's uid and gid must equal the target's (or the
    /// caller has CAP_SYS_PTRACE), the target must be dumpable (or CAP_SYS_PTRACE), and the
    /// target's capabilities must be a subset of the caller's (or CAP_SYS_PTRACE).
    /// </summary>
    public static bool MayAccess(TaskStruct caller, TaskStruct target)
    {
        if (ReferenceEquals(caller, target))
        {
            return true;
        }

        var cred = caller.Cred;
        var tcred = target.Cred;
        var ptrace = cred.Has(Capability.CAP_SYS_PTRACE);
        if (!(cred.Uid == tcred.Uid && cred.Gid == tcred.Gid) && !ptrace)
        {
            return false;
        }

        if (!target.Dumpable && !ptrace)
        {
            return false;
        }

        return (tcred.Capabilities & ~cred.Capabilities) == 0 || ptrace;
    }
}
