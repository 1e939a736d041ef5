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

    /// <summary>How long each pull may take, in seconds: 300 by default (-TimeoutSec is the deadline of the other calls).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int PullTimeoutSec { get; set; } = 300;

    /// <summary>How many pulls run at once.</summary>
    [Parameter]
    [ValidateRange(1, 32)]
    public int ThrottleLimit { get; set; } = 4;

    // Each reference as typed, parsed once: the reference, or why it is not one.
    private readonly List<(string Typed, ImageReference? Parsed, CriException? Invalid)> _images = new();
    private Engine.Configs.PodConfig? _podConfig;
    private CredentialScope? _scope;

    private bool HasCommandLineCredentials => Credential is not null || IdentityToken is not null || RegistryToken is not null;

    private string CommandLineSource => Credential is not null ? "-Credential" : "the token parameters";

    protected override void CheckParameters()
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
            var parsed = ImageReference.TryParse(reference, out var invalid);
            if (_scope is not null && parsed is not null)
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
            _images.Add((reference, parsed, invalid));
        }
    }

    protected override void EndProcessing()
    {
        // Every reference is checked before any pull starts.
        var pulls = new List<(string Reference, RegistryCredential? Credential)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (reference, parsed, invalid) in _images)
        {
            if (parsed is null)
            {
                WriteError(ToErrorRecord(invalid!));
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

        var timeout = TimeSpan.FromSeconds(PullTimeoutSec);
        WriteVerbose($"Each pull may take up to {timeout.TotalSeconds:0} s; {ThrottleLimit} at a time.");
        var activity = pulls.Count == 1 ? $"Pulling {pulls[0].Reference}" : $"Pulling {pulls.Count} images";
        Run(async (output, cancel) =>
        {
            var throttle = new SemaphoreSlim(ThrottleLimit);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var running = pulls.Select(p => PullAsync(p.Reference, p.Credential, timeout, throttle, stop.Token)).ToList();
            var progress = new PullProgress(output.Progress, 1, activity);
            var canShowLayers = true;
            try
            {
                while (running.Count > 0)
                {
                    await Task.WhenAny(Task.WhenAny(running), Task.Delay(ProgressInterval, cancel)).ConfigureAwait(false);
                    // Once cancelled, Delay returns at once: stop here rather than spin until the pulls have ended.
                    cancel.ThrowIfCancellationRequested();
                    foreach (var pull in running.Where(r => r.IsCompleted).ToList())
                    {
                        running.Remove(pull);
                        await Report(output, await pull.ConfigureAwait(false)).ConfigureAwait(false);
                    }
                    if (running.Count == 0)
                        break;
                    IReadOnlyList<ContainerdIngest>? downloads = null;
                    if (canShowLayers)
                    {
                        try
                        {
                            downloads = await Client.GetActiveDownloadsAsync(cancel).ConfigureAwait(false);
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
            finally
            {
                // An endpoint failure or Ctrl+C that ends the cmdlet ends the pulls still running too.
                if (running.Count > 0)
                    stop.Cancel();
                progress.Complete(pulled: running.Count == 0);
            }
            return true;
        }, null);
    }

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(150);

    /// <summary>One pull, its outcome caught: a failure about one image must not hide the others' results.</summary>
    private async Task<(Image? Image, CriException? Error)> PullAsync(string reference, RegistryCredential? credential,
        TimeSpan timeout, SemaphoreSlim throttle, CancellationToken cancel)
    {
        await throttle.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            return (await Client.PullImageAsync(reference, credential, timeout, cancel, _podConfig).ConfigureAwait(false), null);
        }
        catch (CriException e) when (!e.IsEndpointFailure)
        {
            return (null, e);
        }
        finally
        {
            throttle.Release();
        }
    }

    private static Task Report(PipelineOutput output, (Image? Image, CriException? Error) pull)
    {
        if (pull.Error is not null)
        {
            output.Error(pull.Error);
            return Task.CompletedTask;
        }
        return output.ObjectAsync(pull.Image!);
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
