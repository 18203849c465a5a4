/**
 * The identity providers the portal offers, and the setup steps an IT admin follows in each,
 * with the Endpoint URL and Bearer token written in. Plain words, one action per step.
 */

export type ProviderId = 'entra' | 'okta' | 'onelogin' | 'jumpcloud' | 'generic';

export interface Provider {
  id: ProviderId;
  label: string;
  /** One line under the name in the provider list. */
  summary: string;
}

export const PROVIDERS: readonly Provider[] = [
  { id: 'entra', label: 'Microsoft Entra ID', summary: 'Formerly Azure Active Directory' },
  { id: 'okta', label: 'Okta', summary: 'Okta Workforce Identity' },
  { id: 'onelogin', label: 'OneLogin', summary: 'OneLogin by One Identity' },
  { id: 'jumpcloud', label: 'JumpCloud', summary: 'JumpCloud Directory Platform' },
  { id: 'generic', label: 'Other SCIM 2.0 client', summary: 'Any identity provider that speaks SCIM 2.0' },
];

export function providerLabel(id: string): string {
  return PROVIDERS.find((provider) => provider.id === id)?.label ?? id;
}

/** A step: a title, then sentences; `{url}` and `{token}` mark where the values are shown. */
export interface SetupStep {
  title: string;
  lines: string[];
}

/** What the IT admin's provider calls the two values. */
export interface FieldNames {
  url: string;
  token: string;
}

export const FIELD_NAMES: Record<ProviderId, FieldNames> = {
  entra: { url: 'Tenant URL', token: 'Secret Token' },
  okta: { url: 'SCIM connector base URL', token: 'Bearer token' },
  onelogin: { url: 'SCIM Base URL', token: 'SCIM Bearer Token' },
  jumpcloud: { url: 'Base URL', token: 'Token Key' },
  generic: { url: 'SCIM base URL', token: 'Bearer token' },
};

/** The setup steps of each provider. `appName` is the host app's name. */
export function setupSteps(provider: ProviderId, appName: string): SetupStep[] {
  switch (provider) {
    case 'entra':
      return [
        {
          title: 'Create your own application',
          lines: [
            'In the Microsoft Entra admin center, open Enterprise applications and choose New application.',
            `Choose Create your own application, name it "${appName}", select "Integrate any other application you don't find in the gallery (Non-gallery)", and choose Create.`,
          ],
        },
        {
          title: 'Turn on automatic provisioning',
          lines: ['In the new application, open Provisioning, choose Get started (or New configuration), and set Provisioning Mode to Automatic.'],
        },
        {
          title: 'Enter the Admin Credentials',
          lines: ['Tenant URL: {url}', 'Secret Token: {token}', 'Choose Test Connection. Entra ID should say that the supplied credentials are authorized. Then choose Save.'],
        },
        {
          title: 'Check the Mappings',
          lines: [
            'Keep both mappings on: Provision Microsoft Entra ID Users, and Provision Microsoft Entra ID Groups.',
            'Keep userName as the matching attribute: Entra ID looks a user up by userName before it creates one.',
            'By default Entra ID sends userPrincipalName as userName, mail as the work email, givenName and surname as the name, mailNickname as externalId for users, and objectId as externalId for groups. externalId may repeat between users, so do not use it to match.',
          ],
        },
        {
          title: 'Choose who is provisioned',
          lines: ['Under Settings, keep Scope on "Sync only assigned users and groups", then assign the people and groups who need access in Users and groups.'],
        },
        {
          title: 'Set Provisioning Status to On',
          lines: ['Set Provisioning Status to On and choose Save. Entra ID then runs a provisioning cycle about every 40 minutes.'],
        },
        {
          title: 'Provision on demand',
          lines: [`Choose Provision on demand, pick one assigned user, and choose Provision. Come back here: the user appears under Users within seconds, and ${appName} can give them access.`],
        },
      ];
    case 'okta':
      return [
        { title: 'Add an app integration', lines: [`In the Okta Admin Console, open Applications, choose Create App Integration, and create one named "${appName}". On its General tab, choose Edit, select SCIM under Provisioning, and Save.`] },
        {
          title: 'Connect the SCIM integration',
          lines: ['On the Provisioning tab, under Integration, choose Edit.', 'SCIM connector base URL: {url}', 'Unique identifier field for users: userName', 'Supported provisioning actions: Push New Users, Push Profile Updates, Push Groups.', 'Authentication Mode: HTTP Header. Authorization (Bearer): {token}', 'Choose Test Connector Configuration, then Save.'],
        },
        { title: 'Choose what Okta sends', lines: ['Under Provisioning → To App, choose Edit and enable Create Users, Update User Attributes and Deactivate Users. Save.'] },
        { title: 'Assign people and push groups', lines: ['On the Assignments tab, assign the people or groups who need access. On Push Groups, push the groups the app should know about.'] },
      ];
    case 'onelogin':
      return [
        { title: 'Add the SCIM app', lines: [`In OneLogin, open Applications → Add App, pick "SCIM Provisioner with SAML (SCIM v2 Enterprise)", name it "${appName}", and Save.`] },
        { title: 'Enter the connection', lines: ['On the Configuration tab:', 'SCIM Base URL: {url}', 'SCIM Bearer Token: {token}', 'Choose Enable under API Connection, then Save.'] },
        { title: 'Turn provisioning on', lines: ['On the Provisioning tab, tick Enable provisioning and choose what happens when users are deleted or suspended in OneLogin. Save.'] },
        { title: 'Give people access', lines: ['Assign the app to users or roles. OneLogin then creates them here; approve pending provisioning tasks if your account asks for approval.'] },
      ];
    case 'jumpcloud':
      return [
        { title: 'Add a custom application', lines: [`In the JumpCloud Admin Portal, open SSO Applications → Add New Application → Custom Application, name it "${appName}", and tick Manage Single Sign-On and Export users (Identity Management).`] },
        { title: 'Configure Identity Management', lines: ['On the Identity Management tab, choose SCIM 2.0.', 'Base URL: {url}', 'Token Key: {token}', 'Choose Test Connection, then Activate.'] },
        { title: 'Bind user groups', lines: ['On the User Groups tab, bind the groups whose members need access, and Save.'] },
      ];
    case 'generic':
      return [
        { title: 'Point your identity provider at this endpoint', lines: ['SCIM base URL: {url}', 'Authentication: the HTTP header Authorization: Bearer {token}'] },
        {
          title: 'What this endpoint supports',
          lines: ['SCIM 2.0 (RFC 7643, RFC 7644): /Users and /Groups with GET, POST, PUT, PATCH and DELETE; filters such as userName eq "…"; startIndex and cursor paging; ETags.', 'Send application/scim+json. Each failed request is answered with a SCIM error saying what was wrong.'],
        },
        { title: 'Send a first user', lines: ['Create or assign one user in your identity provider and check that it appears under Users here.'] },
      ];
  }
}
