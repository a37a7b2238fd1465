namespace Madvise.Scenarios.Tests.Shared;

/// <summary>Locates files of the repository from the test assembly's folder.</summary>
internal static class RepoPaths
{
    /// <summary>The repository root: the nearest folder above the test assembly that holds Madvise.slnx.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The conformance corpus, tests/scenarios.</summary>
    public static string ScenarioCorpus => Path.Combine(Root, "tests", "scenarios");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Madvise.slnx")) && Directory.Exists(Path.Combine(dir.FullName, "tests", "scenarios")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds Madvise.slnx and tests/scenarios");
    }
}
