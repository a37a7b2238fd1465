using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>fork(2) (<see cref="TaskStruct.Fork"/>) with the frame of every entry point: nothing escapes it.</summary>
    /// <returns>The child's pid, or a negative errno (-ENOMEM, -EAGAIN when every pid is in use, -ESRCH for an exited task or an oops) with <paramref name="child"/> null.</returns>
    public static long Fork(TaskStruct task, out TaskStruct? child)
    {
        child = null;
        try
        {
            child = task.Fork(out var error);
            return child is null ? error : child.Pid;
        }
        catch (Exception ex)
        {
            return Oops(task, "fork", ex);
        }
    }
}
