using Madvise.Abi;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>pidfd_open(2): a descriptor referring to process <paramref name="pid"/>. A zombie can still be opened.</summary>
    public static long PidfdOpen(TaskStruct task, long pid, ulong flags)
    {
        if ((flags & ~(ulong)(PidfdConstants.PIDFD_NONBLOCK | PidfdConstants.PIDFD_THREAD)) != 0)
        {
            return -Errno.EINVAL;
        }

        if (pid <= 0 || pid > int.MaxValue)
        {
            return -Errno.EINVAL;
        }

        try
        {
            var target = task.Kernel.Processes.Find((int)pid);
            if (target is null)
            {
                return -Errno.ESRCH;
            }

            var fd = task.Files.Install(new PidFile(target, (flags & PidfdConstants.PIDFD_THREAD) != 0));
            return fd < 0 ? TaskGone : fd;
        }
        catch (Exception ex)
        {
            return Oops(task, "pidfd_open", ex);
        }
    }
}
