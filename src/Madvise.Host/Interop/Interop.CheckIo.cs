using Madvise.Host;

internal static partial class Interop
{
    /// <summary>
    /// Turns a raw result (a value, or a negative errno) into the value, throwing
    /// <see cref="MadviseException"/> for a negative result.
    /// </summary>
    /// <param name="result">What a <see cref="HostSyscalls"/> call returned.</param>
    /// <param name="operation">The call and its arguments, for the message (e.g. <c>madvise(0x7f..., 4096, DONTNEED)</c>).</param>
    internal static long CheckIo(long result, string operation)
    {
        if (result < 0)
        {
            throw GetExceptionForIoErrno((int)-result, operation);
        }

        return result;
    }

    /// <summary>The exception for a failed call; it keeps the raw errno (dotnet/runtime keeps it the same way).</summary>
    internal static MadviseException GetExceptionForIoErrno(int errno, string operation) => new(operation, errno);
}
