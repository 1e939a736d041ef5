BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    $commands = @(Get-Command -Module CriPS -CommandType Cmdlet | Sort-Object Name)
}

# The help that Get-Help shows comes from docs/*.md (built into en-US/CriPS.dll-Help.xml): every exported cmdlet
# has the parts a reader needs, and the parameters it describes are the cmdlet's own.
Describe 'Help of <_.Name>' -Tag Once -ForEach $commands {
    BeforeAll {
        $command = $_
        $help = Get-Help $command.Name -Full
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    }
    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$($command.Name)\s*$"   # the generated placeholder is the bare syntax
        ($help.Description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }
    It 'has at least one example with code' {
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        foreach ($example in $help.Examples.Example) { $example.Code | Should -Not -BeNullOrEmpty }
    }
    It 'describes every parameter, and only the cmdlet''s own' {
        $own = @($command.Parameters.Keys | Where-Object { $_ -notin $common }) | Sort-Object
        $described = @($help.Parameters.Parameter | ForEach-Object Name | Where-Object { $_ -notin $common }) | Sort-Object
        $described | Should -Be $own
        foreach ($p in $help.Parameters.Parameter) {
            ($p.Description.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$($p.Name) needs a description"
        }
    }
}

Describe 'about_CriPS' -Tag Once {
    BeforeAll { . $PSScriptRoot/TestFixture.ps1 }
    It 'is found by Get-Help and covers endpoints, objects, recipes and the node conversion' {
        $text = Get-Help about_CriPS | Out-String
        foreach ($section in 'SHORT DESCRIPTION', 'ENDPOINTS', 'OBJECTS', 'PIPELINE RECIPES', 'CONVERTING A NODE FROM DOCKER ENGINE TO CONTAINERD') {
            $text | Should -Match "## $section" -Because "about_CriPS needs a $section section"
        }
    }
    It 'names every cmdlet''s output type among its objects' {
        $text = Get-Help about_CriPS | Out-String
        $types = Get-Command -Module CriPS -CommandType Cmdlet | ForEach-Object OutputType | ForEach-Object Name | Where-Object { $_ -like 'CriPS.*' } | Sort-Object -Unique
        $types.Count | Should -BeGreaterThan 10
        foreach ($type in $types) { $text | Should -Match ([regex]::Escape($type)) -Because "$type is an output type" }
    }
}
