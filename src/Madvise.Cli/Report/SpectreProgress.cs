using Madvise.Measurement.Reporting;
using Spectre.Console;

namespace Madvise.Cli.Report;

/// <summary>Runs long work under a Spectre progress bar, or without one when the output is not a terminal.</summary>
internal static class SpectreProgress
{
    /// <summary>Steps of the bar (the fraction reported is scaled to this).</summary>
    private const double Steps = 1000;

    /// <summary>
    /// Runs <paramref name="work"/> on the calling thread, passing it a sink that moves the bar
    /// (or null when <paramref name="enabled"/> is false). The bar is cleared when the work ends.
    /// </summary>
    public static T Run<T>(IAnsiConsole console, bool enabled, string title, Func<IProgressSink?, T> work)
    {
        if (!enabled)
        {
            return work(null);
        }

        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context => work(new Sink(context.AddTask(title, autoStart: true, maxValue: Steps), title)));
    }

    /// <summary>Moves one Spectre task.</summary>
    private sealed class Sink(ProgressTask task, string title) : IProgressSink
    {
        public void Report(double fraction, string description)
        {
            task.Value = Math.Clamp(fraction, 0, 1) * Steps;
            task.Description = Markup.Escape($"{title}: {description}");
        }
    }
}
