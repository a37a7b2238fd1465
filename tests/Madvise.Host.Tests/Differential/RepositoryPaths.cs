namespace Madvise.Host.Tests.Differential;

/// <summary>Where the corpus and the test results live, found from the test assembly's folder.</summary>
internal static class RepositoryPaths
{
    /// <summary>The repository root (the folder holding Madvise.slnx), or null when the tests run outside a checkout.</summary>
    public static readonly string? Root = FindRoot();

    /// <summary>tests/scenarios: the conformance corpus.</summary>
    public static string Corpus => Path.Combine(Root ?? throw new InvalidOperationException("no Madvise.slnx above " + AppContext.BaseDirectory), "tests", "scenarios");

    /// <summary>Where a failing random sequence is written: TestResults/differential under the root (ignored by git).</summary>
    public static string FailureDirectory => Path.Combine(Root ?? Path.GetTempPath(), "TestResults", "differential");

    private static string? FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Madvise.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
