namespace Madvise.Measurement.Eval;

/// <summary>
/// When the measurement stops: after <see cref="Rounds"/> rounds, or when the next round would
/// not end within <see cref="Budget"/> of the start, whichever comes first; but never before
/// <see cref="MinRounds"/> rounds (the budget yields to the minimum). A round is one pass of
/// every configuration.
/// </summary>
/// <param name="Rounds">Passes per configuration; null for no limit.</param>
/// <param name="Budget">Wall-time budget from the start (setup and warm-up included); null for none.</param>
/// <param name="MinRounds">Passes per configuration measured whatever the budget says (at least 1).</param>
public sealed record EvalStopRule(int? Rounds, TimeSpan? Budget, int MinRounds = 1)
{
    /// <summary>True when another round may start after <paramref name="done"/> rounds that took <paramref name="elapsed"/> in all (of which the rounds took <paramref name="roundsTime"/>).</summary>
    public bool MayStartRound(int done, TimeSpan elapsed, TimeSpan roundsTime)
    {
        if (Rounds is { } rounds && done >= rounds)
        {
            return false;
        }

        if (done < Math.Max(1, MinRounds) || Budget is not { } budget)
        {
            return true;
        }

        var perRound = roundsTime / done;
        return elapsed + perRound <= budget;
    }

    /// <summary>How far along the run is, 0 to 1, for a progress bar.</summary>
    public double Fraction(int done, TimeSpan elapsed)
    {
        var byRounds = Rounds is { } rounds ? (double)done / rounds : 0;
        var byTime = Budget is { } budget && budget > TimeSpan.Zero ? elapsed / budget : 0;
        return Math.Clamp(Math.Max(byRounds, byTime), 0, 1);
    }
}
