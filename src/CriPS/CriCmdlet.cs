using System.Management.Automation;
using CriPS.Engine;

namespace CriPS;

/// <summary>The base of the cmdlets that speak CRI: the runtime and image endpoints, resolved as crictl does.</summary>
public abstract class CriCmdlet : CriPSCmdlet
{
    private CriClient? _client;

    /// <summary>The CRI runtime socket: unix:///path, a bare path, or tcp://host:port.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RuntimeEndpoint { get; set; }

    /// <summary>The CRI image service socket, when it is not the runtime's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ImageEndpoint { get; set; }

    /// <summary>The client for this invocation, connected and checked in BeginProcessing.</summary>
    protected CriClient Client => _client ?? throw new InvalidOperationException("The client is opened in BeginProcessing.");

    private protected override void Connect()
    {
        CriClient client;
        try
        {
            client = CriClient.Connect(RuntimeEndpoint, ImageEndpoint, CallTimeout);
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
            throw;
        }
        WriteVerbose($"Runtime endpoint {client.RuntimeEndpoint.Endpoint} ({client.RuntimeEndpoint.Reason}); "
            + $"image endpoint {client.ImageEndpoint.Endpoint} ({client.ImageEndpoint.Reason}); deadline {client.Timeout.TotalSeconds:0.#} s.");
        var warm = client.IsChannelWarm;
        var runtime = Await(client.EnsureReadyAsync, warm ? null : "Version");
        WriteVerbose(warm ? $"Reusing this session's channel to {runtime} (version check cached)." : $"Connected to {runtime}.");
        _client = client;
    }
}
