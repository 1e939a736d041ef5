# Dot-sourced by every integration test file: imports the staged module and describes the runtime under test.
Import-Module $env:CRIPS_MODULE_PATH -Force
# Pester runs every file in one session: drop the defaults an earlier file set, so each file starts clean
# (the endpoint resolution tests depend on no -RuntimeEndpoint being implied).
foreach ($key in @($PSDefaultParameterValues.Keys | Where-Object { $_ -like '*-Cri*:*' -or $_ -like '*-Containerd*:*' })) {
    $PSDefaultParameterValues.Remove($key)
}

# The endpoint under test; without one, tests that need a runtime are skipped (see Invoke-IntegrationTests.ps1).
$script:Endpoint = $env:CRIPS_TEST_ENDPOINT
$script:NoRuntime = -not $script:Endpoint
# An image the runtime can pull; the private runtime serves busybox from its own registry.
$script:TestImage = if ($env:CRIPS_TEST_IMAGE) { $env:CRIPS_TEST_IMAGE } else { 'docker.io/library/busybox:1.36' }
# containerd's own socket, for the containerd cmdlets; without one those tests are skipped.
$script:ContainerdAddress = if ($env:CRIPS_TEST_CONTAINERD_ADDRESS) { $env:CRIPS_TEST_CONTAINERD_ADDRESS } else { $env:CONTAINERD_ADDRESS }
$script:NoContainerd = $script:NoRuntime -or -not $script:ContainerdAddress
# Facts only the private runtime guarantees (its CNI subnet, its config) are checked only there.
$script:IsPrivateRuntime = $env:CRIPS_TEST_PRIVATE_RUNTIME -eq '1'
# Which runtime answers (containerd, cri-o, docker) and its version ([version] 2.1.9): tests assert what each really
# does. Asked once per run and endpoint (the environment keeps it for the next file), not once per file.
$script:RuntimeName = $null
$script:RuntimeVersion = $null
if (-not $script:NoRuntime) {
    if ($env:CRIPS_TEST_RUNTIME -notlike "$($script:Endpoint)|*") {
        $info = Get-CriRuntimeInfo -RuntimeEndpoint $script:Endpoint -ErrorAction SilentlyContinue
        if ($info) { $env:CRIPS_TEST_RUNTIME = "$($script:Endpoint)|$($info.RuntimeName)|$($info.RuntimeVersion)" }
    }
    $parts = "$env:CRIPS_TEST_RUNTIME||" -split '\|'
    $script:RuntimeName = $parts[1]
    if ($parts[2] -match '\d+\.\d+\.\d+') { $script:RuntimeVersion = [version]$Matches[0] }
}

function New-TestPrefix {
    # Everything a test run creates carries this prefix (names, namespaces), so runs never see each other's objects.
    'crips-t{0:x6}' -f (Get-Random -Maximum 0xffffff)
}

function New-TestLogDirectory([string] $Name) {
    $dir = Join-Path ([IO.Path]::GetTempPath()) "crips-test-logs/$Name"
    $null = New-Item -ItemType Directory -Force $dir
    $dir
}

function Remove-TestPods([string] $Prefix) {
    # Tears down through CRI, so CNI releases addresses and rules; then the log folders.
    Get-CriPod -RuntimeEndpoint $script:Endpoint -Namespace "$Prefix*" | Remove-CriPod -Force -RuntimeEndpoint $script:Endpoint
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue (Join-Path ([IO.Path]::GetTempPath()) "crips-test-logs/$Prefix*")
}

function Wait-ContainerState([string] $Id, [CriPS.ContainerState] $State, [int] $TimeoutSec = 20) {
    $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
    do {
        $c = Get-CriContainer -RuntimeEndpoint $script:Endpoint -Id $Id -All
        if ($c.State -eq $State) { return $c }
        Start-Sleep -Milliseconds 100
    } while ([datetime]::UtcNow -lt $deadline)
    throw "Container $Id did not reach $State within $TimeoutSec s (it is $($c.State))."
}

function Invoke-InRunspace([string] $Script) {
    # A separate runspace with the module, its endpoints preset, that collects every stream, progress included.
    $ps = [powershell]::Create()
    $null = $ps.AddScript(("Import-Module '$env:CRIPS_MODULE_PATH'; `$PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = '$script:Endpoint'; " +
        "`$PSDefaultParameterValues['*-Containerd*:Address'] = '$script:ContainerdAddress'; $Script"))
    $output = $ps.Invoke()
    [pscustomobject]@{ Output = $output; Streams = $ps.Streams; Failed = $ps.HadErrors }
    $ps.Dispose()
}

function Get-ErrorRecord([scriptblock] $Script) {
    # The first error a command raises, terminating or not; $null when it raises none.
    try {
        $output = & $Script 2>&1
        @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | Select-Object -First 1
    } catch {
        $_
    }
}

function Get-DaemonSkipReason([string] $Needs) {
    <# Why a file that starts daemons of its own (a node, a second runtime, an sshd) is skipped, or nothing: they
       need root, and the private runtime (its registry serves their images). Says so on the host, too. #>
    $reason = if ((& id -u) -ne '0') { "$Needs needs root" }
              elseif (-not $IsPrivateRuntime) { "$Needs needs the private runtime (CRIPS_TEST_PRIVATE_RUNTIME=1)" }
    if ($reason) { Write-Host "$(Split-Path -Leaf $MyInvocation.PSCommandPath) skipped: $reason" }
    $reason
}

function New-UnixListener([string] $Name) {
    # A Unix socket that accepts connections (the kernel completes them) and answers nothing unless served.
    $path = Join-Path ([IO.Path]::GetTempPath()) "crips-$Name-$PID.sock"
    Remove-Item $path -ErrorAction SilentlyContinue
    $socket = [System.Net.Sockets.Socket]::new('Unix', 'Stream', 'Unspecified')
    $socket.Bind([System.Net.Sockets.UnixDomainSocketEndPoint]::new($path))
    $socket.Listen(8)
    [pscustomobject]@{ Path = $path; Socket = $socket }
}

function New-Http1Listener([string] $Name) {
    # A Unix socket that answers every connection the way an HTTP/1-only server (Docker's API socket) does.
    $listener = New-UnixListener $Name
    $server = Start-ThreadJob -ArgumentList $listener.Socket {
        param($l)
        $reply = [Text.Encoding]::ASCII.GetBytes("HTTP/1.1 400 Bad Request`r`nContent-Type: text/plain`r`nConnection: close`r`n`r`n400 Bad Request")
        while ($true) {
            try { $s = $l.Accept() } catch { break }
            $buffer = [byte[]]::new(4096)
            try { $null = $s.Receive($buffer); $null = $s.Send($reply); $s.Shutdown('Both') } catch { }
            $s.Close()
        }
    }
    $listener | Add-Member -NotePropertyName Server -NotePropertyValue $server -PassThru
}

function Remove-UnixListener($Listener) {
    $Listener.Socket.Close()
    Remove-Item $Listener.Path -ErrorAction SilentlyContinue
    if ($Listener.PSObject.Properties['Server']) { $Listener.Server | Stop-Job -PassThru | Remove-Job -Force }
}

function Get-PwshCommand {
    # This pwsh as a command line for a child: the dotnet tool runs pwsh.dll through the dotnet host.
    [string[]] $pwsh = [Environment]::ProcessPath
    if ((Split-Path -Leaf $pwsh[0]) -like 'dotnet*') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
    , $pwsh
}
