namespace CriPS.Engine.Conversion;

/// <summary>
/// Carries Docker's daemon settings over to containerd: registry mirrors and insecure registries become
/// certs.d hosts.toml files, Docker's registry certificates are copied beside them, proxy drop-ins are mirrored
/// for containerd.service, ulimits are mirrored when asked. Each setting ends up in the report, carried or not.
/// </summary>
internal sealed class DockerSettingsTranslator(NodeSurvey survey, NodePlan plan)
{
    private const string Step = DockerSettingsStep.StepName;
    // containerd 2.x reads config_path as a ':'-separated list (its default is /etc/containerd/certs.d:/etc/docker/certs.d);
    // the first directory is the one it looks in first, so the carried hosts.toml files go there.
    private string CertsDirectory => plan.Containerd.RegistryConfigPath.Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? NodePaths.ContainerdCertsDirectory;

    public void Translate()
    {
        var docker = survey.Docker;
        if (docker.RegistryMirrors.Count > 0)
        {
            AddHosts("docker.io", () => RegistryHosts.Mirrors(docker.RegistryMirrors, ExistingHosts("docker.io")));
            foreach (var mirror in docker.RegistryMirrors)
                Carry("registry-mirrors", mirror, "Carried", HostsPath("docker.io"));
        }

        var certificates = DockerCertificates();
        var untranslatable = RegistryHosts.Untranslatable(docker.InsecureRegistries);
        foreach (var registry in docker.InsecureRegistries)
        {
            if (untranslatable.Any(u => u.Contains(registry, StringComparison.Ordinal)))
            {
                Carry("insecure-registries", registry, "Untranslatable", "containerd names registries by host; a network range has no hosts.toml");
                continue;
            }
            if (!RegistryHosts.IsHostPort(RegistryHosts.CanonicalHost(registry)))
            {
                // It would become a directory name below certs.d: "../" or a slash would write elsewhere.
                Problem(FindingSeverity.Error, "RegistryNameInvalid",
                    $"insecure-registries \"{registry}\" is not a registry host[:port]; it is not carried (accept the finding to go on without it).", NodePaths.DockerDaemonJson);
                Carry("insecure-registries", registry, "Untranslatable", "not a registry host[:port]");
                continue;
            }
            certificates.Remove(registry, out var certs);
            AddHosts(registry, () => RegistryHosts.Insecure(registry, certs?.Cas ?? [], certs?.Clients ?? [], CertsDirectory, ExistingHosts(registry)));
            CopyCertificates(registry, certs);
            Carry("insecure-registries", registry, "Carried", HostsPath(registry));
        }
        foreach (var (host, certs) in certificates)
        {
            AddHosts(host, () => RegistryHosts.Certificates(host, certs.Cas, certs.Clients, CertsDirectory, ExistingHosts(host)));
            CopyCertificates(host, certs);
            Carry("certs.d", $"{NodePaths.DockerCertsDirectory}/{host}", "Carried", $"{CertsDirectory}/{host}/");
        }

        TranslateProxies();
        TranslateUlimits();
        ReportTheRest();
        if (docker.DataRoot is { } dataRoot)
            Carry("data-root", dataRoot, "Reported", "Docker's images and containers stay there; remove the directory once you no longer need Docker");
    }

    private string HostsPath(string host) => $"{CertsDirectory}/{host}/hosts.toml";

    private string? ExistingHosts(string host) => survey.Files.ReadText(HostsPath(host)) is { } text && !IsOurs(HostsPath(host)) ? text : null;

    // A hosts.toml this conversion wrote in an earlier (interrupted) run is not the user's: plan from scratch.
    private bool IsOurs(string nodePath) => survey.Backup.Created(nodePath);

    private void AddHosts(string host, Func<HostsFile> make)
    {
        try
        {
            var file = make();
            plan.Files.Add(PlannedFile.Text(Step, HostsPath(file.Host), file.Text, file.Notes.Count > 0 ? file.Notes : [$"registry host {file.Host}"]));
        }
        catch (CriException e)
        {
            // An existing hosts.toml we cannot merge into safely: a person must look at it first.
            plan.Problems.Add(new ConversionFinding { Severity = FindingSeverity.Error, Id = e.ErrorId, Message = e.Message, Target = HostsPath(host) });
        }
    }

    private sealed record HostCertificates(List<string> Cas, List<(string Cert, string Key)> Clients, List<string> Files);

    /// <summary>/etc/docker/certs.d/HOST: *.crt are CAs, NAME.cert with NAME.key a client pair (Docker's rules).</summary>
    private Dictionary<string, HostCertificates> DockerCertificates()
    {
        var result = new Dictionary<string, HostCertificates>(StringComparer.Ordinal);
        foreach (var directory in survey.Files.Subdirectories(NodePaths.DockerCertsDirectory))
        {
            var host = Path.GetFileName(directory);
            if (!RegistryHosts.IsHostPort(host.ToLowerInvariant()))
            {
                Problem(FindingSeverity.Warning, "RegistryNameInvalid", $"{directory} is not named like a registry host[:port]; its files are not carried.", directory);
                continue;
            }
            foreach (var (link, target) in survey.Files.BrokenLinks(directory))
            {
                Problem(FindingSeverity.Warning, "CertificateLinkBroken", $"{link} links to {target}, which does not exist on the node; it is not carried.", link);
                Carry("certs.d", link, "Untranslatable", $"a link to {target}, which does not exist");
            }
            var files = survey.Files.List(directory, "*").Select(Path.GetFileName).OfType<string>().ToList();
            var cas = files.Where(f => f.EndsWith(".crt", StringComparison.Ordinal)).ToList();
            var clients = files.Where(f => f.EndsWith(".cert", StringComparison.Ordinal))
                .Select(c => (Cert: c, Key: c[..^".cert".Length] + ".key"))
                .Where(p => files.Contains(p.Key)).ToList();
            if (cas.Count + clients.Count > 0)
                result[host] = new HostCertificates(cas, clients, cas.Concat(clients.SelectMany(p => new[] { p.Cert, p.Key })).ToList());
        }
        return result;
    }

    private void CopyCertificates(string host, HostCertificates? certs)
    {
        foreach (var name in certs?.Files ?? [])
        {
            var from = $"{NodePaths.DockerCertsDirectory}/{host}/{name}";
            plan.Files.Add(new PlannedFile(Step, $"{CertsDirectory}/{host}/{name}", survey.Files.ReadBytes(from)!, [$"copied from {from}"], survey.Files.Facts(from)));
        }
    }

    /// <summary>
    /// Docker's proxy as systemd hands it to dockerd: the Environment= lines of docker.service and its drop-ins,
    /// overridden by their EnvironmentFile= files (systemd lets those win), overridden by daemon.json's
    /// "proxies" (Docker 23+ lets those win). The values go to a root-only environment file for containerd.
    /// </summary>
    private void TranslateProxies()
    {
        var variables = new Dictionary<string, (string Value, string Source)>(StringComparer.Ordinal);
        var files = new List<(string Path, bool Optional)>();
        foreach (var unit in DockerUnitFiles())
        {
            var text = survey.Files.ReadText(unit) ?? "";
            foreach (var assignment in SystemdDropIn.ProxyEnvironment(text))
            {
                var parts = assignment.Split('=', 2);
                variables[parts[0]] = (parts[1], unit);
            }
            files.AddRange(SystemdDropIn.EnvironmentFiles(text));
        }
        foreach (var (file, optional) in files)
        {
            if (survey.Files.ReadText(file) is not { } text)
            {
                if (!optional)
                    Problem(FindingSeverity.Warning, "DockerEnvironmentFileMissing", $"docker.service reads {file}, which does not exist; its proxy settings, if any, cannot be carried.", file);
                continue;
            }
            foreach (var (name, value) in SystemdDropIn.ProxyVariablesOfFile(text))
                variables[name] = (value, file);
        }
        foreach (var (name, value) in survey.Docker.Proxies)
            variables[name] = (value, NodePaths.DockerDaemonJson + " proxies");
        if (variables.Count == 0)
            return;
        var dropIn = NodePaths.ContainerdDropIns + "/http-proxy.conf";
        plan.Files.Add(PlannedFile.Text(Step, NodePaths.ContainerdProxyEnvironment,
            SystemdDropIn.RenderEnvironmentFile(variables.Select(v => KeyValuePair.Create(v.Key, v.Value.Value))),
            ["Docker's proxy settings, for containerd's pulls"]) with { Facts = RootOnly });
        plan.Files.Add(PlannedFile.Text(Step, dropIn, SystemdDropIn.RenderProxy(NodePaths.ContainerdProxyEnvironment), ["containerd.service reads the proxy settings"]));
        foreach (var (name, (value, source)) in variables)
            Carry("docker proxy " + name, value, "Carried", $"{NodePaths.ContainerdProxyEnvironment} (read from {source})");
    }

    /// <summary>Every daemon.json setting not carried above is named in the report, with what to do about it.</summary>
    private void ReportTheRest()
    {
        var docker = survey.Docker;
        if (docker.LogDriver is not (DockerDaemonSettings.DefaultLogDriver or "local"))
            Carry("log-driver", docker.LogDriver, "Reported",
                "containers' logs are now files the kubelet rotates (kubectl logs reads them); ship them from /var/log/pods with a node agent if Docker's driver sent them elsewhere");
        foreach (var host in docker.Hosts)
            Carry("hosts", host, "Reported", "Docker's API socket goes away with Docker; tools that used it need containerd's socket (crictl, nerdctl) instead");
        foreach (var key in docker.OtherKeys)
            Carry(key, "", "Reported", key switch
            {
                "default-runtime" or "runtimes" => "Docker's extra runtimes (nvidia and the like) need a runtimes.<name> section in containerd's CRI config and a RuntimeClass; add them by hand",
                "selinux-enabled" => "set enable_selinux = true in containerd's CRI config by hand if SELinux labels are wanted",
                "storage-driver" => "containerd uses its own snapshotter (overlayfs by default)",
                _ when key.StartsWith("log-opts.", StringComparison.Ordinal) => "the kubelet's containerLogMax* settings are all it keeps of Docker's log options",
                _ => "no containerd equivalent is carried; check whether the node still needs it",
            });
    }

    private static readonly UnixFileFacts RootOnly = new(UnixFileMode.UserRead | UnixFileMode.UserWrite, 0, 0);

    /// <summary>docker.service as systemd reads it: the unit file where an administrator overrides it, then its drop-ins in order.</summary>
    private IEnumerable<string> DockerUnitFiles()
    {
        if (survey.Files.Exists(NodePaths.DockerUnitOverride))
            yield return NodePaths.DockerUnitOverride;
        foreach (var dropIn in survey.Files.List(NodePaths.DockerDropIns, "*.conf"))
            yield return dropIn;
    }

    private void TranslateUlimits()
    {
        if (survey.Docker.DefaultUlimits.Count == 0)
            return;
        var (directives, untranslatable) = DockerUlimits.ToSystemdDirectives(survey.Docker.DefaultUlimits);
        var path = NodePaths.ContainerdDropIns + "/ulimits.conf";
        if (survey.Options.CarryUlimits && directives.Count > 0)
            plan.Files.Add(PlannedFile.Text(Step, path, "# Docker's default-ulimits, carried over by CriPS: containers inherit containerd's limits.\n[Service]\n"
                + string.Concat(directives.Select(d => d + "\n")), ["Docker's default-ulimits"]));
        foreach (var directive in directives)
            Carry("default-ulimits", directive, survey.Options.CarryUlimits ? "Carried" : "Reported",
                survey.Options.CarryUlimits ? path : "containers now inherit containerd.service's limits; use -CarryUlimits to mirror them");
        foreach (var name in untranslatable)
            Carry("default-ulimits", name, "Untranslatable", "systemd has no matching Limit directive");
    }

    private void Problem(FindingSeverity severity, string id, string message, string target) =>
        plan.Problems.Add(new ConversionFinding { Severity = severity, Id = id, Message = message, Target = target });

    // The report and the state file show every carried value: a proxy URL's password never gets there.
    private void Carry(string setting, string value, string status, string destination) =>
        plan.Carried.Add(new CarriedSetting { Setting = setting, Value = SecretText.UrlPasswords(value), Status = status, Destination = destination });
}
