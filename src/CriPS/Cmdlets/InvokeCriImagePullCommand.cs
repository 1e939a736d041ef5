using System.Management.Automation;
using CriPS.Completion;
using System.Net;
using System.Security;
using CriPS.Engine.Images;

namespace CriPS.Cmdlets;

/// <summary>
/// Pulls images through the CRI image service (crictl pull), with per-layer progress on containerd, credentials
/// from -Credential or a Docker config.json, and several pulls at once. Returns each image as the runtime then
/// knows it. Credentials given on the command line go to one registry only (see <see cref="CredentialScope"/>);
/// -Credential and -AuthFile are in different parameter sets, so they cannot be given together.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "CriImagePull", DefaultParameterSetName = AuthFileSet)]
[OutputType(typeof(Image))]
public sealed class InvokeCriImagePullCommand : CriCmdlet
{
    /// <summary>A pull has longer than the 10 s other calls get, unless -TimeoutSec says otherwise.</summary>
    private static readonly TimeSpan DefaultPullTimeout = TimeSpan.FromMinutes(5);

    private const string AuthFileSet = "AuthFile";
    private const string CredentialSet = "Credential";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageCompleter))]
    public string[] Image { get; set; } = [];

    /// <summary>User name and password for one registry: -Registry's, else the first image's.</summary>
    [Parameter(ParameterSetName = CredentialSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>
    /// The registry (host[:port]) that -Credential and the tokens are for; every image must be on it. Without it,
    /// the first image's registry.
    /// </summary>
    [Parameter(ParameterSetName = CredentialSet)]
    [ValidateNotNullOrEmpty]
    public string? Registry { get; set; }

    /// <summary>A Docker config.json (auths by registry host); without it, $HOME/.docker/config.json then the kubelet's.</summary>
    [Parameter(ParameterSetName = AuthFileSet)]
    [ValidateNotNullOrEmpty]
    public string? AuthFile { get; set; }

    /// <summary>An OAuth identity token for the registry (CRI AuthConfig.identity_token).</summary>
    [Parameter(ParameterSetName = CredentialSet)]
    public SecureString? IdentityToken { get; set; }

    /// <summary>A bearer token for the registry (CRI AuthConfig.registry_token).</summary>
    [Parameter(ParameterSetName = CredentialSet)]
    public SecureString? RegistryToken { get; set; }

    /// <summary>
    /// The sandbox config of the pod the image is for (CRI's PullImageRequest.sandbox_config), which a runtime
    /// may use to pick a runtime handler's snapshotter: a crictl-format JSON or YAML file, JSON text, or a hashtable.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public object? PodConfig { get; set; }

    /// <summary>How many pulls run at once.</summary>
    [Parameter]
    [ValidateRange(1, 32)]
    public int ThrottleLimit { get; set; } = 4;

    private readonly List<string> _images = new();
    private Engine.Configs.PodConfig? _podConfig;
    private CredentialScope? _scope;

    private bool HasCommandLineCredentials => Credential is not null || IdentityToken is not null || RegistryToken is not null;

    private string CommandLineSource => Credential is not null ? "-Credential" : "the token parameters";

    protected override void BeginProcessing()
    {
        if (Registry is not null && !HasCommandLineCredentials)
            ThrowTerminating(new CriException("CriRegistryWithoutCredential", CriErrorCategory.InvalidArgument,
                "-Registry names the registry that -Credential, -IdentityToken or -RegistryToken are for; give one of them with it.", Registry));
        if (HasCommandLineCredentials)
        {
            try
            {
                _scope = new CredentialScope(Registry, CommandLineSource);
            }
            catch (CriException e)
            {
                ThrowTerminating(e);
            }
        }
        // A config that does not parse fails before any pull, naming the field.
        if (PodConfig is null)
            return;
        try
        {
            _podConfig = ConfigArgument.ToPodConfig(PodConfig, this, "-PodConfig");
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
        }
        WriteVerbose($"Pulling for pod {_podConfig!.Namespace}/{_podConfig.Name} (config {_podConfig.Source}).");
    }

    protected override void ProcessRecord()
    {
        foreach (var reference in Image)
        {
            // Pulls start only in EndProcessing, so an image of another registry, even late in the pipeline, stops
            // the command before anything is sent. An invalid reference gets its own error there.
            if (_scope is not null && TryParse(reference) is { } parsed)
            {
                try
                {
                    _scope.Admit(parsed, reference);
                }
                catch (CriException e)
                {
                    ThrowTerminating(e);
                }
            }
            _images.Add(reference);
        }
    }

    private static ImageReference? TryParse(string reference)
    {
        try
        {
            return ImageReference.Parse(reference);
        }
        catch (CriException)
        {
            return null;
        }
    }

    protected override void EndProcessing()
    {
        // Every reference is checked before any pull starts.
        var pulls = new List<(string Reference, RegistryCredential? Credential)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in _images)
        {
            ImageReference parsed;
            try
            {
                parsed = ImageReference.Parse(reference);
            }
            catch (CriException e)
            {
                WriteError(ToErrorRecord(e));
                continue;
            }
            // busybox and docker.io/library/busybox:latest are one pull.
            if (!seen.Add(parsed.FullName))
                continue;
            var credential = CredentialFor(parsed);
            WriteVerbose(credential is null ? $"Pulling {reference} anonymously." : $"Pulling {reference} with {credential}.");
            pulls.Add((reference, credential));
        }
        if (pulls.Count == 0)
            return;

        var client = Client;
        var timeout = CallTimeout ?? DefaultPullTimeout;
        WriteVerbose($"Each pull may take up to {timeout.TotalSeconds:0} s; {ThrottleLimit} at a time.");
        // Not disposed: pulls that an early end cancels may still release it.
        var throttle = new SemaphoreSlim(ThrottleLimit);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        var running = pulls.ToDictionary(p => p.Reference, p => PullAsync(client, p.Reference, p.Credential, _podConfig, timeout, throttle, stop.Token));
        var progress = new PullProgress(this, 1, pulls.Count == 1 ? $"Pulling {pulls[0].Reference}" : $"Pulling {pulls.Count} images");
        var canShowLayers = true;
        try
        {
            while (running.Count > 0)
            {
                Task.WaitAny([.. running.Values], TimeSpan.FromMilliseconds(150));
                foreach (var finished in running.Where(r => r.Value.IsCompleted).ToList())
                {
                    running.Remove(finished.Key);
                    Report(finished.Key, finished.Value);
                }
                if (running.Count == 0)
                    break;
                List<ContainerdIngest>? downloads = null;
                if (canShowLayers)
                {
                    try
                    {
                        downloads = client.GetActiveDownloadsAsync(Cancellation).GetAwaiter().GetResult();
                    }
                    catch (CriException)
                    {
                        // No view of the downloads (another runtime, an old containerd): elapsed time instead.
                    }
                    canShowLayers = downloads is not null;
                }
                progress.Update(downloads, $"{pulls.Count - running.Count} of {pulls.Count} done");
            }
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            // An error or Ctrl+C that ends the cmdlet ends the pulls still running too.
            if (running.Count > 0)
                stop.Cancel();
            progress.Complete(pulled: running.Count == 0 && !Cancellation.IsCancellationRequested);
        }
    }

    private static async Task<Image> PullAsync(Engine.CriClient client, string reference, RegistryCredential? credential,
        Engine.Configs.PodConfig? podConfig, TimeSpan timeout, SemaphoreSlim throttle, CancellationToken cancel)
    {
        await throttle.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            return await client.PullImageAsync(reference, credential, timeout, cancel, podConfig).ConfigureAwait(false);
        }
        finally
        {
            throttle.Release();
        }
    }

    private void Report(string reference, Task<Image> pull)
    {
        if (pull.IsCanceled || (pull.Exception?.InnerException is OperationCanceledException && Cancellation.IsCancellationRequested))
            throw new PipelineStoppedException();
        if (pull.Exception?.InnerException is CriException e)
        {
            if (e.IsEndpointFailure)
                ThrowTerminating(e);
            WriteError(ToErrorRecord(e));
        }
        else if (pull.Exception is { } other)
            ThrowTerminating(Untranslated(other.InnerException ?? other));
        else
            WriteObject(pull.Result);
    }

    /// <summary>
    /// -Credential and tokens (every image is on their registry: ProcessRecord checked), else -AuthFile, else the
    /// files the kubelet reads; a file gives only the entry of the image's own registry.
    /// </summary>
    private RegistryCredential? CredentialFor(ImageReference image)
    {
        if (HasCommandLineCredentials)
            return new RegistryCredential
            {
                Registry = image.Registry,
                Username = Credential?.UserName,
                Password = Credential?.GetNetworkCredential().Password,
                IdentityToken = IdentityToken is null ? null : new NetworkCredential("", IdentityToken).Password,
                RegistryToken = RegistryToken is null ? null : new NetworkCredential("", RegistryToken).Password,
                Source = CommandLineSource,
            };
        try
        {
            if (AuthFile is null)
                return RegistryCredential.FromDefaultAuthFiles(Environment.GetEnvironmentVariable("HOME"), image.Registry);
            var file = GetUnresolvedProviderPathFromPSPath(AuthFile);
            if (!File.Exists(file))
                ThrowTerminating(new CriException("CriAuthFileNotFound", CriErrorCategory.ObjectNotFound, $"The auth file '{file}' does not exist.", file));
            return RegistryCredential.FromDockerConfig(file, image.Registry);
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
            return null;
        }
    }
}
