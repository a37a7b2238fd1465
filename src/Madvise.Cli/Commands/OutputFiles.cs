using Madvise.Cli.Report;

namespace Madvise.Cli.Commands;

/// <summary>A command's output files: checked before any measurement, written after it, failures reported as messages rather than exceptions.</summary>
internal static class OutputFiles
{
    /// <summary>
    /// Checks the file of <paramref name="option"/> before anything is measured, so that a typo
    /// costs a second, not the measurement: the name ends in one of
    /// <paramref name="extensions"/> (which also keeps a device such as /dev/null from being
    /// replaced by the rename of the atomic write), it is not a directory, its directory exists,
    /// and a file can be created there (a probe file is created and removed again).
    /// </summary>
    /// <returns>null when the file can be written, else the message (with the path as the user gave it).</returns>
    public static string? Check(string option, string path, params string[] extensions)
    {
        var shown = $"{option} {Printable(path)}";
        if (path.Length == 0)
        {
            return $"{option}: the file name is empty";
        }

        if (Array.IndexOf(extensions, Path.GetExtension(path).ToLowerInvariant()) < 0)
        {
            return $"{shown}: the file name must end in {string.Join(" or ", extensions)}";
        }

        if (Directory.Exists(path))
        {
            return $"{shown}: is a directory";
        }

        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? "/";
        if (!Directory.Exists(directory))
        {
            return $"{shown}: the directory {Printable(directory)} does not exist";
        }

        try
        {
            using var probe = new FileStream(AtomicFile.TempPath(full), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{shown}: cannot create a file in {Printable(directory)}: {AtomicFile.Reason(ex)}";
        }

        return null;
    }

    /// <summary>Runs <paramref name="write"/>; on an I/O or permission error prints it and returns false.</summary>
    public static bool Try(CliContext context, string path, Action write)
    {
        try
        {
            write();
            context.Out.WriteLine($"wrote {Printable(path)}");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"madv: {Printable(path)}: cannot write: {AtomicFile.Reason(ex)}");
            return false;
        }
    }

    private static string Printable(string path) => ScenarioFiles.Printable(path);
}
