namespace Madvise.Replay.Tests.Shared;

/// <summary>Paths in the repository, found from the test assembly's folder.</summary>
internal static class RepoPaths
{
    /// <summary>The recorded traces, tests/traces.</summary>
    public static string Traces => Path.Combine(Root, "tests", "traces");

    /// <summary>The repository's README.md.</summary>
    public static string Readme => Path.Combine(Root, "README.md");

    /// <summary>A file under tests/traces.</summary>
    public static string Trace(string relative) => Path.Combine(Traces, relative);

    private static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Madvise.slnx")) && Directory.Exists(Path.Combine(dir.FullName, "tests", "traces")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds Madvise.slnx and tests/traces");
        }
    }
}
