using System.Globalization;

namespace Madvise.Measurement.Workloads;

/// <summary>Lists of thread counts on the command line (<c>--threads 1,2,4</c>).</summary>
public static class ThreadList
{
    /// <summary>Most threads a process may be given: each is an OS thread (and a simulated CPU).</summary>
    public const int Max = 64;

    /// <summary>Parses a comma-separated list of counts from 1 to <see cref="Max"/>, sorted, without duplicates; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string text, out IReadOnlyList<int> threads, out string error)
    {
        threads = [];
        var list = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > Max)
            {
                error = $"'{part}' is not a thread count between 1 and {Max}";
                return false;
            }

            if (!list.Contains(n))
            {
                list.Add(n);
            }
        }

        list.Sort();
        threads = list;
        error = string.Empty;
        return true;
    }
}
