namespace Venue.Edge.Tests;

/// <summary><c>venue edge</c>'s own options as a service manager passes them: <c>--dashboard</c> into a pipe, <c>--urls</c>.</summary>
public sealed class EdgeOptionsCliTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_edge_dashboard_with_its_output_in_a_pipe_prints_the_console_address_once_and_no_escape_codes()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = (await StandaloneEdgeConfig.WriteAsync(directory, "dash-edge")).ConfigPath;

        await using var edge = await SiloProcess.StartAsync(SiloStart.Edge(config, directory.Path) with { Options = ["--dashboard"] }, TimeSpan.FromSeconds(30));
        await Eventually.UntilAsync(() => Task.FromResult(edge.Output.Contains("ops console: ", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => $"the console's address on the edge's output:\n{edge.Output}");
        // The edge runs on behind it, and nothing was drawn into the pipe.
        Assert.Equal("dash-edge", (await edge.HealthAsync()).GetProperty("edgeId").GetString());

        var printed = edge.Output;
        Assert.DoesNotContain('\u001b', printed);
        Assert.Single(printed.Split('\n'), line => line.Contains("ops console: ", StringComparison.Ordinal));
        Assert.Contains($"{edge.Address.ToString().TrimEnd('/')}/console", printed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("notaurl", "is not an address to listen on")]
    [InlineData("http://127.0.0.1:99999", "a port from 0 to 65535")]
    [InlineData("ftp://127.0.0.1:5080", "needs http:// or https://")]
    public async Task An_edge_with_an_address_it_cannot_listen_on_exits_2_in_one_line(string urls, string says)
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = (await StandaloneEdgeConfig.WriteAsync(directory, "dash-edge")).ConfigPath;

        var result = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(30), "edge", "--config", config, "--urls", urls);

        Assert.True(result.ExitCode == 2, result.ToString());
        var error = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains(says, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    // The binder used to drop a gate it could not read: the edge started without it, saying nothing.
    [InlineData("""{"Id":"S04","Name":"Staff","OpensAt":"2026-12-07 25:00"}""", "at 'Edge:Gates:2:OpensAt'")]
    // One value where a list belongs bound as no restriction at all: a staff gate open to every ticket.
    [InlineData("""{"Id":"S04","Name":"Staff","AllowedTicketTypes":"vip"}""", "Edge:Gates:2:AllowedTicketTypes: 'vip' is one value where a list belongs")]
    [InlineData("""{"Id":"S04","Name":"Staff","OpensAt":"2026-12-08T10:00:00Z","ClosesAt":"2026-12-08T09:00:00Z"}""", "gate 'S04' opens at")]
    public async Task A_gate_the_edge_could_not_read_as_written_stops_it_with_one_line_naming_the_gate(string gate, string says)
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = (await StandaloneEdgeConfig.WriteAsync(directory, "gate-edge")).ConfigPath;
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(config))!;
        json["Edge"]!["Gates"]!.AsArray().Add(System.Text.Json.Nodes.JsonNode.Parse(gate));
        await File.WriteAllTextAsync(config, json.ToJsonString());

        var result = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(30), "edge", "--config", config, "--urls", "http://127.0.0.1:0");

        Assert.True(result.ExitCode == 2, result.ToString());
        var error = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains(says, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(";")]
    public async Task An_empty_urls_option_is_refused_rather_than_listening_on_localhost_5000(string urls)
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = (await StandaloneEdgeConfig.WriteAsync(directory, "urls-edge")).ConfigPath;

        var result = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(30), "edge", "--config", config, "--urls", urls);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--urls is empty", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("localhost:5000", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_address_this_machine_does_not_have_stops_the_edge_with_one_line_naming_it()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = (await StandaloneEdgeConfig.WriteAsync(directory, "addr-edge")).ConfigPath;

        // TEST-NET-1 (RFC 5737): assigned to no machine.
        var result = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(30), "edge", "--config", config, "--urls", "http://192.0.2.1:15081");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("venue: Could not listen on http://192.0.2.1:15081", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_already_taken_stops_the_edge_with_one_line_and_no_stack_trace_in_the_log()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = (await StandaloneEdgeConfig.WriteAsync(directory, "port-edge")).ConfigPath;
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var result = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(30), "edge", "--config", config, "--urls", $"http://127.0.0.1:{port}");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal($"venue: Failed to bind to address http://127.0.0.1:{port}: address already in use.", result.StandardError.Trim());
        Assert.DoesNotContain("   at ", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", result.StandardOutput, StringComparison.Ordinal);
    }
}
