namespace CriPS;

/// <summary>Whether crictl's config file sets a key, or leaves it to the default.</summary>
public enum CriConfigSource
{
    File,
    NotSet,
}

/// <summary>One key of crictl's config file (crictl config --get KEY).</summary>
public sealed class CriConfigSetting
{
    /// <summary>crictl's key, e.g. runtime-endpoint.</summary>
    public string Name { get; set; } = "";

    /// <summary>The file's value as its type (string, int, bool); null when the file does not set it.</summary>
    public object? Value { get; set; }

    public CriConfigSource Source { get; set; }

    /// <summary>The environment variable that wins over the file's value, for crictl and CriPS alike, when it is set.</summary>
    public string? OverriddenBy { get; set; }

    public string Path { get; set; } = "";

    public string ComputerName { get; set; } = "";

    public override string ToString() => $"{Name}={Value}";
}

/// <summary>crictl's config file (crictl config --list): where it is, why that file, and each of its keys.</summary>
public sealed class CriConfig
{
    public string Path { get; set; } = "";

    /// <summary>Why this file: given by -Path, named by $CRI_CONFIG_FILE, or crictl's default /etc/crictl.yaml.</summary>
    public string PathSource { get; set; } = "";

    public bool Exists { get; set; }

    public string? RuntimeEndpoint { get; set; }
    public string? ImageEndpoint { get; set; }

    /// <summary>timeout, in seconds; 0 means the default (crictl's 2 s, CriPS's 10 s).</summary>
    public int? TimeoutSec { get; set; }

    /// <summary>debug: crictl's debug output (CriPS has -Verbose).</summary>
    public bool? DebugLogging { get; set; }

    public bool? PullImageOnCreate { get; set; }
    public bool? DisablePullOnRun { get; set; }

    /// <summary>max-retries, which crictl reads from 1.37 on (1.36 refuses a file that has it).</summary>
    public int? MaxRetries { get; set; }

    /// <summary>Keys crictl does not know; crictl refuses such a file, CriPS keeps them when it writes.</summary>
    public string[] OtherKeys { get; set; } = [];

    /// <summary>Every key crictl knows, with its source.</summary>
    public CriConfigSetting[] Settings { get; set; } = [];

    public string ComputerName { get; set; } = "";

    public override string ToString() => Path;
}
