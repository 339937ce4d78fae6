#pragma once

#include "proxy/ProxyProfile.h"
#include "proxy/ProxyTypes.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableWidget;

namespace codex::proxy {
class SecretStore;
}

namespace codex::ui {

/// Adds or edits one endpoint environment: name, base URL (validated as typed), ccproxy
/// generation profile, extra headers, timeout, the bearer token (stored in the keychain when
/// there is one, else kept in memory for the session, or read from an environment variable —
/// never written to a file) and the TLS certificates accepted for this environment.
class EndpointEnvironmentDialog : public QDialog {
    Q_OBJECT
public:
    EndpointEnvironmentDialog(const proxy::Environment &env, const QList<proxy::ProxyProfile> &profiles,
                              proxy::SecretStore *secrets, const QStringList &takenNames, QWidget *parent = nullptr);

    proxy::Environment environment() const;
    /// Empty when the form is valid, else what is wrong (also shown in the dialog).
    QString validationError() const;

    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *urlEdit() const { return m_url; }
    QLineEdit *tokenEdit() const { return m_token; }
    QLineEdit *envVarEdit() const { return m_envVar; }
    QPushButton *storeButton() const { return m_store; }
    QLabel *tokenStatus() const { return m_tokenStatus; }
    QListWidget *certificates() const { return m_certs; }
    QPushButton *okButton() const;

    /// What "Store token" does: SecretStore::store, and the environment then refers to it.
    bool storeToken();

private:
    void validate();
    void updateTokenStatus();

    proxy::Environment m_env;
    proxy::SecretStore *m_secrets;
    QStringList m_taken;
    QString m_tokenRef;
    QLineEdit *m_name;
    QLineEdit *m_url;
    QLabel *m_urlError;
    QComboBox *m_profile;
    QSpinBox *m_timeout;
    QTableWidget *m_headers;
    QRadioButton *m_noToken;
    QRadioButton *m_stored;
    QRadioButton *m_fromEnv;
    QLineEdit *m_token;
    QPushButton *m_store;
    QLineEdit *m_envVar;
    QLabel *m_tokenStatus;
    QListWidget *m_certs;
    QDialogButtonBox *m_buttons;
};

}  // namespace codex::ui
