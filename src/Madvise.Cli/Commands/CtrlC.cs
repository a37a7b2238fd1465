namespace Madvise.Cli.Commands;

/// <summary>
/// Turns the first Ctrl+C into a cancellation request, so a long measurement stops after the
/// pass in progress and writes what it has; a second Ctrl+C ends the process as usual.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    /// <summary>Signalled by the first Ctrl+C.</summary>
    private readonly CancellationTokenSource _source = new();

    /// <summary>Installs the handler until <see cref="Dispose"/>.</summary>
    public CtrlC() => Console.CancelKeyPress += OnCancelKeyPress;

    /// <summary>Cancelled after the first Ctrl+C.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Removes the handler.</summary>
    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _source.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (_source.IsCancellationRequested)
        {
            return;
        }

        e.Cancel = true;
        _source.Cancel();
    }
}
