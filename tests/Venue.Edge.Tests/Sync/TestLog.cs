using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Venue.Edge.Tests.Sync;

/// <summary>Collects what the edge logs (to assert that a failure was reported) and echoes it to the test's output.</summary>
public sealed class TestLog(ITestOutputHelper? output = null) : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _entries = new();

    public ILoggerFactory Factory => LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(this));

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => [.. _entries];

    public bool Contains(LogLevel atLeast, string text) => _entries.Any(e => e.Level >= atLeast && e.Message.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TestLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            log._entries.Enqueue((logLevel, category, message));
            try
            {
                log.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category.Split('.')[^1]}: {message}{(exception is null ? "" : $" {exception}")}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; its output is closed.
            }
        }
    }

    private void Write(string line) => output?.WriteLine(line);
}
