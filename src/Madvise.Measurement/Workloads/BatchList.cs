using System.Globalization;
using Madvise.Abi;

namespace Madvise.Measurement.Workloads;

/// <summary>Lists of process_madvise() batch sizes (vlen) on the command line; 0 stands for the madvise() loop.</summary>
public static class BatchList
{
    /// <summary>The seed's sizes: 0 (madvise), then 1, 2, 4, ... 1024.</summary>
    public static IReadOnlyList<int> Seed { get; } = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    /// <summary>The sizes of <c>--quick</c>: the seed's ends and every fourth power of two between.</summary>
    public static IReadOnlyList<int> Quick { get; } = [0, 1, 4, 16, 64, 256, 1024];

    /// <summary>
    /// Parses a comma-separated list of sizes between 0 and UIO_MAXIOV (1024), ascending and
    /// without duplicates after sorting. On failure <paramref name="error"/> says why.
    /// </summary>
    public static bool TryParse(string text, int min, out IReadOnlyList<int> batches, out string error)
    {
        batches = [];
        var list = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > IoVec.UIO_MAXIOV)
            {
                error = $"'{part}' is not a batch size between {min} and {IoVec.UIO_MAXIOV}";
                return false;
            }

            if (!list.Contains(n))
            {
                list.Add(n);
            }
        }

        list.Sort();
        batches = list;
        error = string.Empty;
        return true;
    }

    /// <summary>The list as the command line writes it.</summary>
    public static string Format(IReadOnlyList<int> batches) => string.Join(',', batches);
}
