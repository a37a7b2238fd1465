using System.Text;

namespace Madvise.Scenarios.Host;

internal static unsafe partial class HarnessSyscalls
{
    /// <summary>
    /// Creates a new regular file <c>DIRECTORY/PREFIXxxxxxx</c> (mkostemp, O_RDWR, mode 0600,
    /// close-on-exec) and unlinks it at once, so it lives exactly as long as its descriptors.
    /// </summary>
    /// <returns>The descriptor, or a negative errno.</returns>
    internal static long CreateUnlinkedTempFile(string directory, string prefix)
    {
        var template = Encoding.UTF8.GetBytes(Path.Combine(directory, prefix + "XXXXXX") + "\0");
        fixed (byte* t = template)
        {
            var fd = Interop.Libc.MkosTemp(t, Interop.Libc.O_CLOEXEC);
            if (fd < 0)
            {
                return LastError();
            }

            if (Interop.Libc.Unlink(t) != 0)
            {
                var e = LastError();
                Interop.Libc.Close(fd);
                return e;
            }

            return fd;
        }
    }

    /// <summary>memfd_create(2) with MFD_CLOEXEC.</summary>
    internal static long MemfdCreate(string name) => Result(Interop.Libc.MemfdCreate(name, Interop.Libc.MFD_CLOEXEC));

    /// <summary>write(2) of the whole span, retrying short writes.</summary>
    /// <returns>0, or a negative errno.</returns>
    internal static long WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            nuint done = 0;
            while (done < (nuint)data.Length)
            {
                var n = Interop.Libc.Write(fd, p + done, (nuint)data.Length - done);
                if (n < 0)
                {
                    var e = LastError();
                    if (e == -Abi.Errno.EINTR)
                    {
                        continue;
                    }

                    return e;
                }

                done += (nuint)n;
            }
        }

        return 0;
    }

    /// <summary>read(2) into the span, retrying EINTR; bytes read (0 = end of file) or a negative errno.</summary>
    internal static long Read(int fd, Span<byte> into)
    {
        fixed (byte* p = into)
        {
            while (true)
            {
                var n = Interop.Libc.Read(fd, p, (nuint)into.Length);
                if (n >= 0)
                {
                    return n;
                }

                var e = LastError();
                if (e != -Abi.Errno.EINTR)
                {
                    return e;
                }
            }
        }
    }

    /// <summary>fsync(2).</summary>
    internal static long Fsync(int fd) => Result(Interop.Libc.FSync(fd));

    /// <summary>close(2).</summary>
    internal static long Close(int fd) => Result(Interop.Libc.Close(fd));
}
