using System.Runtime.InteropServices;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// Writes output files atomically: into a temporary file next to the target, then renamed over
/// it, so a reader (or an interrupted run) never sees half a file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>.</summary>
    /// <exception cref="IOException">
    /// The file cannot be written; the target is left as it was. The message says why in a few
    /// words (<see cref="Reason"/>) and names no file: the caller knows the one it asked for,
    /// and the temporary file is not the user's business.
    /// </exception>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var temp = TempPath(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new IOException(Reason(ex), ex);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The temporary file <see cref="Write"/> uses for <paramref name="fullPath"/>: hidden, next to it, unique to this process.</summary>
    public static string TempPath(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath) ?? ".", $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.tmp");

    /// <summary>
    /// Why a file operation failed, without the file's name, in strerror's words starting in lower
    /// case (<c>read-only file system</c>): from the errno .NET keeps as the HResult of an
    /// IOException on Linux, else from the exception's type.
    /// </summary>
    public static string Reason(Exception ex)
    {
        var text = ex switch
        {
            UnauthorizedAccessException => "permission denied",
            DirectoryNotFoundException or FileNotFoundException => "no such file or directory",
            IOException { HResult: > 0 and < 4096 } io => Marshal.GetPInvokeErrorMessage(io.HResult),
            _ => ex.Message,
        };
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }

    /// <summary>Writes <paramref name="path"/> as text (UTF-8 without a byte order mark).</summary>
    public static void WriteText(string path, Action<TextWriter> write) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            write(writer);
        });
}
