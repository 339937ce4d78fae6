#include "ui/EndpointEnvironmentDialog.h"

#include "proxy/SecretStore.h"

#include <QAction>
#include <QButtonGroup>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStyle>
#include <QTableWidget>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace codex::ui {

EndpointEnvironmentDialog::EndpointEnvironmentDialog(const proxy::Environment &env, const QList<proxy::ProxyProfile> &profiles,
                                                     proxy::SecretStore *secrets, const QStringList &takenNames, QWidget *parent)
    : QDialog(parent), m_env(env), m_secrets(secrets), m_taken(takenNames), m_tokenRef(env.tokenRef)
{
    setObjectName(QStringLiteral("environmentDialog"));
    setWindowTitle(env.name.isEmpty() ? tr("Add environment") : tr("Edit environment %1").arg(env.name));
    auto *outer = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_name = new QLineEdit(env.name, this);
    m_name->setObjectName(QStringLiteral("envNameEdit"));
    m_name->setPlaceholderText(tr("staging, production, local ccproxy…"));
    form->addRow(tr("&Name:"), m_name);
    m_url = new QLineEdit(env.baseUrl.toString(), this);
    m_url->setObjectName(QStringLiteral("envUrlEdit"));
    m_url->setPlaceholderText(QStringLiteral("http://127.0.0.1:8000"));
    m_urlError = new QLabel(this);
    m_urlError->setObjectName(QStringLiteral("envUrlError"));
    m_urlError->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_urlError->setWordWrap(true);
    auto *urlBox = new QVBoxLayout;
    urlBox->setSpacing(2);
    urlBox->addWidget(m_url);
    urlBox->addWidget(m_urlError);
    form->addRow(tr("&Base URL:"), urlBox);
    m_profile = new QComboBox(this);
    m_profile->setObjectName(QStringLiteral("envProfileCombo"));
    for (const proxy::ProxyProfile &p : profiles)
        m_profile->addItem(QStringLiteral("%1 — %2").arg(p.id, p.label), p.id);
    const int at = m_profile->findData(env.profileId);
    m_profile->setCurrentIndex(at >= 0 ? at : 0);
    m_profile->setToolTip(tr("Which ccproxy generation serves this environment: its paths, header names and known behaviour."));
    form->addRow(tr("&Generation profile:"), m_profile);
    m_timeout = new QSpinBox(this);
    m_timeout->setRange(1, 3600);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setValue(std::max(1, env.timeoutMs / 1000));
    form->addRow(tr("&Timeout:"), m_timeout);
    outer->addLayout(form);

    // Extra headers
    auto *headersBox = new QGroupBox(tr("Extra headers (sent with every request)"), this);
    auto *hl = new QHBoxLayout(headersBox);
    m_headers = new QTableWidget(0, 2, headersBox);
    m_headers->setObjectName(QStringLiteral("envHeadersTable"));
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setMinimumHeight(90);
    for (const auto &h : env.headers) {
        const int r = m_headers->rowCount();
        m_headers->insertRow(r);
        m_headers->setItem(r, 0, new QTableWidgetItem(QString::fromUtf8(h.first)));
        m_headers->setItem(r, 1, new QTableWidgetItem(QString::fromUtf8(h.second)));
    }
    auto *hbuttons = new QVBoxLayout;
    auto *addH = new QToolButton(headersBox);
    addH->setText(tr("Add"));
    auto *delH = new QToolButton(headersBox);
    delH->setText(tr("Remove"));
    hbuttons->addWidget(addH);
    hbuttons->addWidget(delH);
    hbuttons->addStretch();
    hl->addWidget(m_headers, 1);
    hl->addLayout(hbuttons);
    connect(addH, &QToolButton::clicked, this, [this] {
        const int r = m_headers->rowCount();
        m_headers->insertRow(r);
        m_headers->setCurrentCell(r, 0);
        m_headers->editItem(m_headers->item(r, 0));
    });
    connect(delH, &QToolButton::clicked, this, [this] {
        if (m_headers->currentRow() >= 0)
            m_headers->removeRow(m_headers->currentRow());
    });
    outer->addWidget(headersBox);

    // Token
    auto *tokenBox = new QGroupBox(tr("Bearer token"), this);
    auto *tl = new QGridLayout(tokenBox);
    m_noToken = new QRadioButton(tr("No token"), tokenBox);
    m_stored = new QRadioButton(tr("Token:"), tokenBox);
    m_fromEnv = new QRadioButton(tr("From environment variable:"), tokenBox);
    auto *group = new QButtonGroup(this);
    group->addButton(m_noToken);
    group->addButton(m_stored);
    group->addButton(m_fromEnv);
    m_token = new QLineEdit(tokenBox);
    m_token->setObjectName(QStringLiteral("envTokenEdit"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(env.tokenRef.startsWith(QLatin1String("env:")) || env.tokenRef.isEmpty()
                                    ? tr("paste the token")
                                    : tr("stored — type a new one to replace it"));
    QAction *eye = m_token->addAction(style()->standardIcon(QStyle::SP_FileDialogContentsView), QLineEdit::TrailingPosition);
    eye->setCheckable(true);
    eye->setToolTip(tr("Show the token"));
    connect(eye, &QAction::toggled, this, [this, eye](bool on) {
        m_token->setEchoMode(on ? QLineEdit::Normal : QLineEdit::Password);
        eye->setToolTip(on ? tr("Hide the token") : tr("Show the token"));
    });
    m_store = new QPushButton(tr("Store token"), tokenBox);
    m_store->setObjectName(QStringLiteral("storeTokenButton"));
    m_store->setToolTip(tr("Puts the token into the system keychain when one is available, else keeps it in memory for "
                           "this session only. It is never written to a file."));
    m_envVar = new QLineEdit(tokenBox);
    m_envVar->setObjectName(QStringLiteral("envVarEdit"));
    m_envVar->setPlaceholderText(QStringLiteral("CCPROXY_TOKEN"));
    m_tokenStatus = new QLabel(tokenBox);
    m_tokenStatus->setObjectName(QStringLiteral("tokenStatusLabel"));
    m_tokenStatus->setWordWrap(true);
    tl->addWidget(m_noToken, 0, 0, 1, 3);
    tl->addWidget(m_stored, 1, 0);
    tl->addWidget(m_token, 1, 1);
    tl->addWidget(m_store, 1, 2);
    tl->addWidget(m_fromEnv, 2, 0);
    tl->addWidget(m_envVar, 2, 1, 1, 2);
    tl->addWidget(m_tokenStatus, 3, 0, 1, 3);
    tl->setColumnStretch(1, 1);
    if (env.tokenRef.startsWith(QLatin1String("env:"))) {
        m_fromEnv->setChecked(true);
        m_envVar->setText(env.tokenRef.mid(4));
    } else if (!env.tokenRef.isEmpty()) {
        m_stored->setChecked(true);
    } else {
        m_noToken->setChecked(true);
    }
    outer->addWidget(tokenBox);
    connect(m_store, &QPushButton::clicked, this, [this] { storeToken(); });
    for (QRadioButton *b : {m_noToken, m_stored, m_fromEnv})
        connect(b, &QRadioButton::toggled, this, [this] { updateTokenStatus(); validate(); });
    connect(m_token, &QLineEdit::textEdited, this, [this] {
        m_stored->setChecked(true);
        updateTokenStatus();
        validate();
    });
    connect(m_envVar, &QLineEdit::textEdited, this, [this] {
        m_fromEnv->setChecked(true);
        updateTokenStatus();
        validate();
    });

    // Accepted TLS certificates
    auto *certBox = new QGroupBox(tr("TLS certificates accepted for this environment"), this);
    auto *cl = new QHBoxLayout(certBox);
    m_certs = new QListWidget(certBox);
    m_certs->setObjectName(QStringLiteral("acceptedCertsList"));
    m_certs->setMaximumHeight(70);
    for (const QString &c : env.acceptedCertSha256)
        m_certs->addItem(QStringLiteral("sha256 %1").arg(c));
    auto *removeCert = new QPushButton(tr("Remove"), certBox);
    removeCert->setObjectName(QStringLiteral("removeCertButton"));
    removeCert->setEnabled(false);
    connect(m_certs, &QListWidget::currentRowChanged, removeCert, [removeCert](int row) { removeCert->setEnabled(row >= 0); });
    connect(removeCert, &QPushButton::clicked, this, [this] { delete m_certs->takeItem(m_certs->currentRow()); });
    if (env.acceptedCertSha256.isEmpty())
        m_certs->setToolTip(tr("None. When a request fails on a certificate, the response view offers to accept that "
                               "certificate for this environment only."));
    cl->addWidget(m_certs, 1);
    cl->addWidget(removeCert, 0, Qt::AlignTop);
    outer->addWidget(certBox);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (m_stored->isChecked() && !m_token->text().isEmpty() && !storeToken())
            return;
        if (validationError().isEmpty())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    outer->addWidget(m_buttons);
    connect(m_name, &QLineEdit::textChanged, this, &EndpointEnvironmentDialog::validate);
    connect(m_url, &QLineEdit::textChanged, this, &EndpointEnvironmentDialog::validate);
    updateTokenStatus();
    validate();
    resize(560, sizeHint().height());
}

QPushButton *EndpointEnvironmentDialog::okButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}

QString EndpointEnvironmentDialog::validationError() const
{
    const QString name = m_name->text().trimmed();
    if (name.isEmpty())
        return tr("The environment needs a name.");
    if (m_taken.contains(name, Qt::CaseInsensitive))
        return tr("An environment named \"%1\" exists already.").arg(name);
    const QString text = m_url->text().trimmed();
    if (text.isEmpty())
        return tr("The base URL is empty.");
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return tr("The base URL is not a valid URL: %1").arg(url.errorString());
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        return tr("The base URL must start with http:// or https:// (not \"%1\").").arg(url.scheme());
    if (url.host().isEmpty())
        return tr("The base URL has no host.");
    if (!url.userInfo().isEmpty())
        return tr("Put credentials into the token field, not into the URL.");
    if (m_fromEnv->isChecked() && !QRegularExpression(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$")).match(m_envVar->text().trimmed()).hasMatch())
        return tr("The environment variable name is not valid (letters, digits and _).");
    if (m_stored->isChecked() && m_tokenRef.isEmpty() && m_token->text().isEmpty())
        return tr("Type the token, or choose No token.");
    return {};
}

void EndpointEnvironmentDialog::validate()
{
    const QString error = validationError();
    m_urlError->setText(error);
    m_urlError->setVisible(!error.isEmpty());
    okButton()->setEnabled(error.isEmpty());
    m_store->setEnabled(!m_token->text().isEmpty() && !m_name->text().trimmed().isEmpty());
}

void EndpointEnvironmentDialog::updateTokenStatus()
{
    QString text;
    if (m_noToken->isChecked()) {
        text = tr("Requests are sent without an Authorization header.");
    } else if (m_fromEnv->isChecked()) {
        const QString var = m_envVar->text().trimmed();
        text = var.isEmpty() ? tr("The token is read from this variable of the app's environment when a request is sent.")
                             : (qEnvironmentVariableIsSet(var.toLocal8Bit().constData())
                                    ? tr("%1 is set in this app's environment.").arg(var)
                                    : tr("%1 is not set in this app's environment: requests will fail until it is.").arg(var));
    } else if (!m_token->text().isEmpty()) {
        text = tr("Not stored yet: press Store token (pressing OK stores it too).");
    } else if (m_tokenRef.startsWith(QLatin1String("keychain:"))) {
        text = tr("Stored in the system keychain.");
    } else if (m_tokenRef.startsWith(QLatin1String("session:"))) {
        text = tr("Kept in memory for this session only (no keychain); it is gone when the app quits.");
    }
    m_tokenStatus->setText(text);
}

bool EndpointEnvironmentDialog::storeToken()
{
    if (!m_secrets || m_token->text().isEmpty())
        return false;
    QString error;
    const QString ref = m_secrets->store(m_name->text().trimmed(), m_token->text(), &error);
    if (ref.isEmpty()) {
        m_tokenStatus->setText(tr("Could not store the token: %1").arg(error));
        return false;
    }
    m_tokenRef = ref;
    m_token->clear();
    m_token->setPlaceholderText(tr("stored — type a new one to replace it"));
    m_stored->setChecked(true);
    if (ref.startsWith(QLatin1String("keychain:")))
        m_tokenStatus->setText(tr("Stored in the system keychain (%1).").arg(m_secrets->keychainStatus()));
    else
        m_tokenStatus->setText(tr("Kept in memory for this session only — %1. It is gone when the app quits; use an "
                                  "environment variable to keep it across runs.")
                                   .arg(m_secrets->keychainStatus()));
    validate();
    return true;
}

proxy::Environment EndpointEnvironmentDialog::environment() const
{
    proxy::Environment env = m_env;
    env.name = m_name->text().trimmed();
    env.baseUrl = QUrl(m_url->text().trimmed());
    env.profileId = m_profile->currentData().toString();
    env.timeoutMs = m_timeout->value() * 1000;
    env.headers.clear();
    for (int r = 0; r < m_headers->rowCount(); ++r) {
        const QString k = m_headers->item(r, 0) ? m_headers->item(r, 0)->text().trimmed() : QString();
        const QString v = m_headers->item(r, 1) ? m_headers->item(r, 1)->text() : QString();
        if (!k.isEmpty())
            env.headers.append({k.toUtf8(), v.toUtf8()});
    }
    if (m_noToken->isChecked())
        env.tokenRef.clear();
    else if (m_fromEnv->isChecked())
        env.tokenRef = QStringLiteral("env:") + m_envVar->text().trimmed();
    else
        env.tokenRef = m_tokenRef;
    env.acceptedCertSha256.clear();
    for (int i = 0; i < m_certs->count(); ++i)
        env.acceptedCertSha256 << m_certs->item(i)->text().section(QLatin1Char(' '), 1);
    return env;
}

}  // namespace codex::ui
