namespace Madvise.Cli.Commands;

/// <summary>Writing a command's output files, reporting failures as messages rather than exceptions.</summary>
internal static class OutputFiles
{
    /// <summary>Runs <paramref name="write"/>; on an I/O or permission error prints it and returns false.</summary>
    public static bool Try(CliContext context, string path, Action write)
    {
        try
        {
            write();
            context.Out.WriteLine($"wrote {path}");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"madv: {path}: cannot write: {ex.Message}");
            return false;
        }
    }
}
