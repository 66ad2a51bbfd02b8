using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Venue.Benchmarks -- --filter '*' [--job short]
// Results go to benchmarks/Venue.Benchmarks/BenchmarkDotNet.Artifacts unless --artifacts says otherwise.
var config = DefaultConfig.Instance.WithArtifactsPath(ArtifactsPath());
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);

static string ArtifactsPath()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Venue.Benchmarks.csproj")))
        {
            return Path.Combine(directory.FullName, "BenchmarkDotNet.Artifacts");
        }
    }

    return Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts");
}
