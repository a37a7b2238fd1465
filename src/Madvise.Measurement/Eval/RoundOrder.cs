namespace Madvise.Measurement.Eval;

/// <summary>The order of configurations in one round of an interleaved measurement.</summary>
public static class RoundOrder
{
    /// <summary>Fills <paramref name="order"/> with 0..n−1 shuffled by a generator seeded with <paramref name="seed"/> (Fisher–Yates), so a run's order can be reproduced.</summary>
    public static void Fill(int[] order, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
