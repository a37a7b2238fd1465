using System.Globalization;

namespace Madvise.Scenarios;

/// <summary>Reads a scenario file into memory, refusing what cannot be one before reading much of it.</summary>
/// <remarks>
/// A scenario is a short text file: the corpus's largest is 4.3 KiB, a generated random
/// differential sequence of 160 steps about 10 KiB. <see cref="MaxBytes"/> (1 MiB, some
/// 20,000 lines) leaves room for any hand-written or generated file and bounds what one file
/// can cost: at most <see cref="MaxBytes"/> + 1 bytes are ever read, so <c>/dev/zero</c>, a
/// 3 GB log or a FIFO that never ends are refused after 1 MiB, a large regular file before
/// any byte. Errors are <see cref="IOException"/>s whose message says what is wrong in a few
/// words (<c>no such file or directory</c>, <c>is a directory</c>, <c>permission denied</c>,
/// <c>too large: ...</c>); the caller prefixes the path.
/// </remarks>
public static class ScenarioFileReader
{
    /// <summary>The largest scenario file accepted, in bytes (1 MiB).</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>Reads at most <see cref="MaxBytes"/> bytes of <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The file cannot be read, is a directory, or is larger than <see cref="MaxBytes"/>.</exception>
    public static byte[] Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);

        // As root, opening a directory for reading fails with "Access ... denied", which is not why.
        if (Directory.Exists(path))
        {
            throw new IOException("is a directory");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        }
        catch (FileNotFoundException ex)
        {
            throw new IOException("no such file or directory", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new IOException("no such file or directory", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException("permission denied", ex);
        }

        using (stream)
        {
            // A regular file says its size; a device, pipe or /proc file is read up to the limit.
            if (stream.CanSeek && stream.Length > MaxBytes)
            {
                throw TooLarge(string.Create(CultureInfo.InvariantCulture, $"{stream.Length:N0} bytes"));
            }

            var buffer = new byte[MaxBytes + 1];
            var filled = 0;
            int n;
            while (filled < buffer.Length && (n = stream.Read(buffer, filled, buffer.Length - filled)) > 0)
            {
                filled += n;
            }

            if (filled > MaxBytes)
            {
                throw TooLarge(string.Create(CultureInfo.InvariantCulture, $"more than {MaxBytes:N0} bytes"));
            }

            return buffer[..filled];
        }
    }

    private static IOException TooLarge(string size) =>
        new(string.Create(CultureInfo.InvariantCulture, $"too large: {size}; a scenario file has at most {MaxBytes:N0} bytes (1 MiB)"));
}
