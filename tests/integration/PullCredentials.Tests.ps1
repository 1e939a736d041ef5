BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # Two registries of its own need the private runtime's registry data (served read-only) and docker-registry.
    $script:ScopeSkip = -not $IsPrivateRuntime -or -not (Get-Command docker-registry -ErrorAction SilentlyContinue) -or
        -not (Test-Path (Join-Path "$env:CRIPS_RUNTIME_DIR" 'registry/config.yml'))
}

# What the Describes share: registries of their own (docker-registry, the Debian package) serving the private runtime's
# images read-only, and what they logged.
BeforeAll {
    # bcrypt, which docker-registry's htpasswd requires, from the system's libcrypt: in process, so the password
    # is in no command line.
    if (-not ('CripsTestBcrypt' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
public static class CripsTestBcrypt
{
    [DllImport("libcrypt.so.1")] private static extern IntPtr crypt_gensalt(string prefix, ulong count, IntPtr random, int length);
    [DllImport("libcrypt.so.1")] private static extern IntPtr crypt(string key, string setting);
    public static string Hash(string password) =>
        Marshal.PtrToStringAnsi(crypt(password, Marshal.PtrToStringAnsi(crypt_gensalt("$2b$", 5, IntPtr.Zero, 0))));
}
'@
    }
    $registryConfig = Join-Path "$env:CRIPS_RUNTIME_DIR" 'registry/config.yml'
    if (Test-Path $registryConfig) { $dataDir = (Select-String -Path $registryConfig -Pattern '^\s*rootdirectory:\s*(\S+)').Matches[0].Groups[1].Value }

    function Start-AuthRegistry([string] $Name, [string] $Auth) {
        # A docker-registry serving the private runtime's images read-only, with Auth (YAML under `auth:`).
        $dir = Join-Path $TestDrive "registry-$Name"
        $null = New-Item -ItemType Directory -Force $dir
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        Set-Content (Join-Path $dir 'config.yml') @"
version: 0.1
log:
  level: debug
storage:
  filesystem:
    rootdirectory: $dataDir
  maintenance:
    readonly:
      enabled: true
    uploadpurging:
      enabled: false
auth:
$Auth
http:
  addr: 127.0.0.1:$port
  secret: crips-test-$Name
"@
        $log = Join-Path $dir 'registry.log'
        $process = Start-Process docker-registry -ArgumentList 'serve', (Join-Path $dir 'config.yml') -PassThru `
            -RedirectStandardError $log -RedirectStandardOutput (Join-Path $dir 'stdout.log')
        $http = [System.Net.Http.HttpClient]::new()
        $deadline = [datetime]::UtcNow.AddSeconds(15)
        $status = 0
        while ($status -ne 401 -and [datetime]::UtcNow -lt $deadline -and -not $process.HasExited) {
            try { $status = [int]$http.GetAsync("http://127.0.0.1:$port/v2/").GetAwaiter().GetResult().StatusCode } catch { Start-Sleep -Milliseconds 100 }
        }
        $http.Dispose()
        if ($status -ne 401) { throw "docker-registry $Name did not ask for a login on 127.0.0.1:${port}: $(Get-Content $log -Raw)" }
        # containerd reaches it over plain HTTP through a hosts.toml of its own.
        $hostsDir = Join-Path $env:CRIPS_RUNTIME_DIR "certs.d/127.0.0.1:$port"
        $null = New-Item -ItemType Directory -Force $hostsDir
        Set-Content (Join-Path $hostsDir 'hosts.toml') "server = `"http://127.0.0.1:$port`"`n[host.`"http://127.0.0.1:$port`"]`n  capabilities = [`"pull`", `"resolve`"]`n"
        [pscustomobject]@{ Name = $Name; Host = "127.0.0.1:$port"; Log = $log; Process = $process; HostsDir = $hostsDir }
    }

    function Start-HtpasswdRegistry([string] $Name, [string] $User, [string] $Password) {
        $dir = Join-Path $TestDrive "registry-$Name"
        $null = New-Item -ItemType Directory -Force $dir
        Set-Content (Join-Path $dir 'htpasswd') "${User}:$([CripsTestBcrypt]::Hash($Password))"
        $registry = Start-AuthRegistry -Name $Name -Auth "  htpasswd:`n    realm: crips-$Name`n    path: $(Join-Path $dir 'htpasswd')"
        $registry | Add-Member -NotePropertyName User -NotePropertyValue $User -PassThru
    }

    function Stop-AuthRegistry($Registry) {
        if (-not $Registry.Process.HasExited) { $Registry.Process.Kill(); $null = $Registry.Process.WaitForExit(5000) }
        Remove-Item -Recurse -Force $Registry.HostsDir -ErrorAction SilentlyContinue
    }

    function Get-LogMark($Registry) { (Get-Item $Registry.Log).Length }

    function Get-RegistryLogSince($Registry, [long] $Mark) {
        # What the registry logged from Mark on, up to a request of our own sent now: everything a finished
        # command sent is logged before it, so no sleep is needed to be sure nothing more is coming.
        $sentinel = 'crips-sentinel-' + (New-Guid)
        $http = [System.Net.Http.HttpClient]::new()
        try { $null = $http.GetAsync("http://$($Registry.Host)/v2/$sentinel/tags/list").GetAwaiter().GetResult() } finally { $http.Dispose() }
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        do {
            $stream = [IO.File]::Open($Registry.Log, 'Open', 'Read', 'ReadWrite')
            try {
                $null = $stream.Seek($Mark, 'Begin')
                $text = [IO.StreamReader]::new($stream).ReadToEnd()
            } finally { $stream.Dispose() }
            $at = $text.IndexOf($sentinel)
            if ($at -ge 0) { return $text.Substring(0, $text.LastIndexOf("`n", $at) + 1) }
            Start-Sleep -Milliseconds 50
        } while ([datetime]::UtcNow -lt $deadline)
        throw "The log of registry $($Registry.Name) never showed the request $sentinel."
    }

    function Get-RequestLine([string] $Log) {
        # The requests the registry handled for a client, without our sentinels.
        @($Log -split "`n" | Where-Object { $_ -match 'http\.request\.uri=' -and $_ -notmatch 'crips-sentinel-' })
    }

    # containerd's own list, through ctr rather than CriPS.
    function Get-CtrImageName { & ctr --address $ContainerdAddress --namespace k8s.io images list --quiet }

    function Remove-TestImage([string[]] $Names) {
        # Only these names: the images behind them also carry the private runtime's own tags, which stay.
        foreach ($n in $Names) { Remove-ContainerdImage -Name $n -Confirm:$false -ErrorAction SilentlyContinue }
    }
}

# -Credential goes to one registry only. Two real docker-registry processes, A and B, each with htpasswd auth for a
# user of its own, serve the private runtime's images; what reached each is read from the registry's own log, where
# docker-registry (at level debug) writes auth.user.name=USER for a request it authorized and `error authenticating
# user "USER"` for a user it does not know. B does not know A's user and A does not know B's, so a credential that
# went to the wrong registry shows up in that registry's log under its user name.
Describe 'Invoke-CriImagePull credentials scoped to one registry' -Skip:$ScopeSkip {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/PeakMemory.psm1 -Force
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $PSDefaultParameterValues['*-Containerd*:Address'] = $ContainerdAddress

        $tag = (New-Guid).ToString('N').Substring(0, 8)
        $passwordA = 'pa-' + (New-Guid)
        $passwordB = 'pb-' + (New-Guid)
        $A = Start-HtpasswdRegistry -Name a -User "crips-a-$tag" -Password $passwordA
        $B = Start-HtpasswdRegistry -Name b -User "crips-b-$tag" -Password $passwordB
        $credA = [pscredential]::new($A.User, (ConvertTo-SecureString $passwordA -AsPlainText -Force))
        $onA = "$($A.Host)/crips/spare:1"
        $alsoOnA = "$($A.Host)/crips/busybox:1.36"
        $onB = "$($B.Host)/crips/spare:1"
        $ours = $onA, $alsoOnA, $onB
    }
    AfterAll {
        Remove-TestImage $ours
        foreach ($r in $A, $B | Where-Object { $_ }) { Stop-AuthRegistry $r }
    }
    BeforeEach {
        Remove-TestImage $ours
        $markA = Get-LogMark $A
        $markB = Get-LogMark $B
    }

    It 'the stand-ins are real: A refuses an anonymous pull, so a pull that works on A had to log in' {
        $err = Get-ErrorRecord { Invoke-CriImagePull -Image $onA }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriImagePullUnauthorized,*'
        (Get-RegistryLogSince $A $markA) | Should -Match 'basic authentication challenge'
    }
    It 'the logs name a user sent to the wrong registry: A''s credential given for an image of B shows in B''s log' {
        # The detector the other tests rely on: a leak of A's user to B would be in B's log under A's user name.
        $err = Get-ErrorRecord { Invoke-CriImagePull -Image $onB -Credential $credA }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriImagePullUnauthorized,*'
        $logB = Get-RegistryLogSince $B $markB
        $logB | Should -Match ([regex]::Escape("error authenticating user \`"$($A.User)\`""))
        $logB | Should -Not -Match ([regex]::Escape($passwordA))
    }
    It 'refuses -Credential for A with an image on B before any request reaches A or B' {
        $err = Get-ErrorRecord { Invoke-CriImagePull -Image $onA, $onB -Credential $credA }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriCredentialRegistryMismatch,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be $onB
        "$err" | Should -Not -Match ([regex]::Escape($passwordA))
        Get-RequestLine (Get-RegistryLogSince $A $markA) | Should -BeNullOrEmpty
        Get-RequestLine (Get-RegistryLogSince $B $markB) | Should -BeNullOrEmpty
        Get-CtrImageName | Where-Object { $_ -in $onA, $onB } | Should -BeNullOrEmpty
    }
    It 'fixes the registry by the first image that comes down the pipeline' {
        $err = Get-ErrorRecord { $onB, $onA | Invoke-CriImagePull -Credential $credA }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriCredentialRegistryMismatch,*'
        $err.TargetObject | Should -Be $onA
        "$err" | Should -Match ([regex]::Escape("the first image, '$onB'"))
        Get-RequestLine (Get-RegistryLogSince $A $markA) | Should -BeNullOrEmpty
        Get-RequestLine (Get-RegistryLogSince $B $markB) | Should -BeNullOrEmpty
    }
    It 'refuses an image of B late in the pipeline with -Registry A before any pull' {
        $err = Get-ErrorRecord { $onA, $alsoOnA, $onB | Invoke-CriImagePull -Credential $credA -Registry $A.Host }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriCredentialRegistryMismatch,*'
        $err.TargetObject | Should -Be $onB
        "$err" | Should -Match '-Registry names'
        Get-RequestLine (Get-RegistryLogSince $A $markA) | Should -BeNullOrEmpty
        Get-RequestLine (Get-RegistryLogSince $B $markB) | Should -BeNullOrEmpty
    }
    It 'pulls the images of A with -Credential and -Registry A, and only A sees the user' {
        $images = $onA, $alsoOnA | Invoke-CriImagePull -Credential $credA -Registry $A.Host
        @($images.RepoTags) | Should -Contain $onA
        @($images.RepoTags) | Should -Contain $alsoOnA
        $listed = Get-CtrImageName
        $listed | Should -Contain $onA
        $listed | Should -Contain $alsoOnA
        $logA = Get-RegistryLogSince $A $markA
        # A authorized containerd's requests for both repositories as A's user.
        foreach ($repo in 'crips/spare', 'crips/busybox') {
            @(Get-RequestLine $logA | Where-Object { $_ -match "auth\.user\.name=$([regex]::Escape($A.User))" -and $_ -match "vars\.name=$([regex]::Escape($repo))" }).Count |
                Should -BeGreaterThan 0 -Because "A logs the pull of $repo as its user"
        }
        $logA | Should -Not -Match ([regex]::Escape($passwordA))
        $logB = Get-RegistryLogSince $B $markB
        Get-RequestLine $logB | Should -BeNullOrEmpty
        $logB | Should -Not -Match ([regex]::Escape($A.User))
    }
    It 'sends each registry only its own entry of an auth file' {
        $file = Join-Path $TestDrive 'auth.json'
        $b64 = { param($u, $p) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("${u}:$p")) }
        Set-Content $file (@{ auths = @{
            "http://$($A.Host)/v2/" = @{ auth = & $b64 $A.User $passwordA }
            $B.Host                 = @{ auth = & $b64 $B.User $passwordB }
        } } | ConvertTo-Json -Depth 4)
        $images = Invoke-CriImagePull -Image $onA, $onB -AuthFile $file
        @($images.RepoTags) | Should -Contain $onA
        @($images.RepoTags) | Should -Contain $onB
        $logA = Get-RegistryLogSince $A $markA
        $logB = Get-RegistryLogSince $B $markB
        $logA | Should -Match "auth\.user\.name=$([regex]::Escape($A.User))"
        $logB | Should -Match "auth\.user\.name=$([regex]::Escape($B.User))"
        $logA | Should -Not -Match ([regex]::Escape($B.User))
        $logB | Should -Not -Match ([regex]::Escape($A.User))
        ($logA + $logB) | Should -Not -Match ([regex]::Escape($passwordA))
        ($logA + $logB) | Should -Not -Match ([regex]::Escape($passwordB))
    }
    It 'refuses -Credential with -AuthFile at binding, before anything is sent' {
        $file = Join-Path $TestDrive 'unused-auth.json'
        Set-Content $file '{ "auths": {} }'
        $err = Get-ErrorRecord { Invoke-CriImagePull -Image $onA -Credential $credA -AuthFile $file }
        $err.FullyQualifiedErrorId | Should -BeLike 'AmbiguousParameterSet,*'
        Get-RequestLine (Get-RegistryLogSince $A $markA) | Should -BeNullOrEmpty
    }
    It 'refuses -Registry without credentials, and a -Registry that is no registry, before anything is sent' {
        (Get-ErrorRecord { Invoke-CriImagePull -Image $onA -Registry $A.Host }).FullyQualifiedErrorId | Should -BeLike 'CriRegistryWithoutCredential,*'
        foreach ($case in @(
                @{ Name = 'bare name'; Value = 'myhost' }
                @{ Name = 'URL'; Value = "http://$($A.Host)/v2/" }
                @{ Name = '1 MiB host'; Value = ('a' * 1MB) + '.io' })) {
            $value = $case.Value
            $r = Measure-CripsPeakMemory -Suite 'Invoke-CriImagePull -Registry' -Case $case.Name -ScriptBlock {
                Invoke-CriImagePull -Image $onA -Credential $credA -Registry $value -ErrorAction Stop
            }
            $r.ErrorId | Should -Be 'CriInvalidRegistry' -Because $case.Name
            $r.Error.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $r.Error.TargetObject | Should -Be $value
            "$($r.Error)".Length | Should -BeLessThan 400
            $r.PeakOverMiB | Should -BeLessThan 64 -Because "$($case.Name) costs $($r.PeakOverMiB) MiB"
        }
        Get-RequestLine (Get-RegistryLogSince $A $markA) | Should -BeNullOrEmpty
    }
}

# Token auth, as real registries do it: docker-registry with `auth: token:` turns a client away with
# `WWW-Authenticate: Bearer realm=...,service=...,scope=...`; the client asks the realm, a token issuer of the test's own
# (TokenIssuerStandIn.psm1), for a token with its credentials in Basic auth, and comes back with a JWT the registry checks
# against the issuer's certificate. containerd's CRI, not CriPS, makes that exchange: what is tested is that CriPS hands
# the credential over, and for the image's repository only. The issuer records the user it was given and the scope; the
# registry logs auth.user.name=USER (the token's subject) for a request it served with a valid token.
Describe 'Invoke-CriImagePull through a registry with token auth' -Skip:$ScopeSkip {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/TokenIssuerStandIn.psm1 -Force
        Import-Module $PSScriptRoot/ErrorText.psm1 -Force
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $PSDefaultParameterValues['*-Containerd*:Address'] = $ContainerdAddress

        $tag = (New-Guid).ToString('N').Substring(0, 8)
        $user = "crips-t-$tag"
        $password = 'pt-' + (New-Guid)
        $wrongPassword = 'pw-' + (New-Guid)
        $credential = [pscredential]::new($user, (ConvertTo-SecureString $password -AsPlainText -Force))
        $issuer = Start-TokenIssuerStandIn -Directory (Join-Path $TestDrive 'issuer') -Issuer "crips-issuer-$tag" -Service "crips-registry-$tag" -User $credential
        $T = Start-AuthRegistry -Name token -Auth @"
  token:
    realm: $($issuer.Realm)
    service: $($issuer.Service)
    issuer: $($issuer.Issuer)
    rootcertbundle: $($issuer.CertificatePath)
"@
        $onT = "$($T.Host)/crips/spare:1"
        $alsoOnT = "$($T.Host)/crips/busybox:1.36"
        $ours = $onT, $alsoOnT
        $containerdLog = Join-Path $env:CRIPS_RUNTIME_DIR 'log/containerd.log'

        function Get-IssuerRequestSince([int] $Count) { @($issuer.Requests | Select-Object -Skip $Count) }

        function Get-ContainerdLogSince([long] $Mark) {
            $stream = [IO.File]::Open($containerdLog, 'Open', 'Read', 'ReadWrite')
            try { $null = $stream.Seek($Mark, 'Begin'); [IO.StreamReader]::new($stream).ReadToEnd() } finally { $stream.Dispose() }
        }

        function Assert-NoPassword([string] $Text, [string] $Where) {
            foreach ($secret in $password, $wrongPassword) { $Text | Should -Not -Match ([regex]::Escape($secret)) -Because "$Where must not show a password" }
        }
    }
    AfterAll {
        Remove-TestImage $ours
        if ($T) { Stop-AuthRegistry $T }
        if ($issuer) { $issuer.Stop() }
    }
    BeforeEach {
        Remove-TestImage $ours
        $mark = Get-LogMark $T
        $asked = $issuer.Requests.Count
        $containerdMark = (Get-Item $containerdLog).Length
    }

    It 'the stand-ins are real: the registry sends an anonymous pull to the issuer, which refuses it' {
        $err = Get-ErrorRecord { Invoke-CriImagePull -Image $onT }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriImagePullUnauthorized,*'
        (Get-RegistryLogSince $T $mark) | Should -Match 'authorization token required'
        $requests = Get-IssuerRequestSince $asked
        $requests | Should -Not -BeNullOrEmpty
        $requests | ForEach-Object { $_.User | Should -BeNullOrEmpty; $_.Granted | Should -BeNullOrEmpty }
        Get-CtrImageName | Should -Not -Contain $onT
    }
    It 'pulls a private image with -Credential: the issuer gets the user for that repository, the registry serves that user' {
        $all = @(Invoke-CriImagePull -Image $onT -Credential $credential -Verbose *>&1)
        $images = @($all | Where-Object { $_.PSObject.Properties['RepoTags'] })
        @($images.RepoTags) | Should -Contain $onT
        Get-CtrImageName | Should -Contain $onT
        # The credential reached the token request, scoped to the image's repository, and only there.
        $requests = Get-IssuerRequestSince $asked
        $granted = @($requests | Where-Object { $_.Method -eq 'GET' -and $_.User -eq $user -and $_.Authenticated })
        $granted | Should -Not -BeNullOrEmpty -Because 'containerd asks the realm for a token with the user in Basic auth'
        $granted | ForEach-Object { $_.Service | Should -Be $issuer.Service; $_.Granted | Should -Be 'repository:crips/spare:pull' }
        @($requests.Scope | Sort-Object -Unique) | Should -Be 'repository:crips/spare:pull'
        @($requests | Where-Object { $_.User -and $_.User -ne $user }) | Should -BeNullOrEmpty
        # The registry served the manifest and the layers to the token's subject.
        $log = Get-RegistryLogSince $T $mark
        @(Get-RequestLine $log | Where-Object { $_ -match "auth\.user\.name=$([regex]::Escape($user))" -and $_ -match 'vars\.name=crips/spare' }).Count |
            Should -BeGreaterThan 0
        Assert-NoPassword $log 'the registry log'
        Assert-NoPassword (($all | Out-String -Width 4096) + (@(Get-ObjectText $all) -join "`n")) 'the output and the verbose stream'
        Assert-NoPassword (Get-ContainerdLogSince $containerdMark) "containerd's log"
    }
    It 'pulls with -AuthFile: the entry for the registry reaches the issuer, scoped to the repository' {
        $file = Join-Path $TestDrive 'token-auth.json'
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("${user}:$password"))
        Set-Content $file (@{ auths = @{ $T.Host = @{ auth = $auth } } } | ConvertTo-Json -Depth 4)
        $images = @(Invoke-CriImagePull -Image $alsoOnT -AuthFile $file)
        @($images.RepoTags) | Should -Contain $alsoOnT
        Get-CtrImageName | Should -Contain $alsoOnT
        $requests = Get-IssuerRequestSince $asked
        @($requests | Where-Object { $_.User -eq $user -and $_.Authenticated -and $_.Granted -eq 'repository:crips/busybox:pull' }) | Should -Not -BeNullOrEmpty
        @($requests.Scope | Sort-Object -Unique) | Should -Be 'repository:crips/busybox:pull'
        $log = Get-RegistryLogSince $T $mark
        $log | Should -Match "auth\.user\.name=$([regex]::Escape($user))"
        Assert-NoPassword $log 'the registry log'
        Assert-NoPassword (Get-ContainerdLogSince $containerdMark) "containerd's log"
    }
    It 'says a wrong password is refused (CriImagePullUnauthorized) and shows it nowhere' {
        $wrong = [pscredential]::new($user, (ConvertTo-SecureString $wrongPassword -AsPlainText -Force))
        $err = Get-ErrorRecord { Invoke-CriImagePull -Image $onT -Credential $wrong }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriImagePullUnauthorized,*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.TargetObject | Should -Be $onT
        # CriPS names the registry and the credential's source; containerd's part says which request was refused.
        "$err" | Should -Match "refused credentials for $([regex]::Escape($T.Host)) from -Credential"
        "$err" | Should -Match 'token.*401 Unauthorized'
        Get-CtrImageName | Should -Not -Contain $onT
        # The issuer got the user with the wrong password, for that repository, and granted nothing.
        $requests = Get-IssuerRequestSince $asked
        @($requests | Where-Object { $_.Method -eq 'GET' -and $_.User -eq $user -and -not $_.Authenticated }) | Should -Not -BeNullOrEmpty
        @($requests | Where-Object Granted) | Should -BeNullOrEmpty
        @($requests.Scope | Sort-Object -Unique) | Should -Be 'repository:crips/spare:pull'
        Assert-NoPassword (Get-DeepErrorText $err) 'the error record, looked at deeply'
        Assert-NoPassword (Get-RegistryLogSince $T $mark) 'the registry log'
        Assert-NoPassword (Get-ContainerdLogSince $containerdMark) "containerd's log"
    }
}
